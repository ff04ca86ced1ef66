// Run before `npm install`: says which Node.js Billfold needs when this one is not it.
// The range is package.json's `engines.node`: the versions every dependency accepts (Electron 45
// and its tools ask for 22.12 or newer, ESLint 10 for ^22.13 or 24 and newer). On Node 20.19 and
// newer the build, the tests and `npm run web` still run, so there it only warns; older stops.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** package.json's `engines.node`, in words. */
export const supportedWords = 'Node.js 22 (22.13 or newer) or Node.js 24 or newer';

/** Below this nothing works: Vite 8 needs require(esm), which Node 20 has from 20.19. */
export const floor = '20.19.0';

const parse = (v) => v.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
function compare(a, b) {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** `version` against a range of the forms engines use here: `^X.Y.Z`, `>=X.Y.Z`, joined by `||`. */
export function satisfies(version, range) {
  return range.split('||').some((part) =>
    part
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const caret = /^\^(\d+(?:\.\d+){0,2})$/.exec(comparator);
        if (caret) return compare(version, caret[1]) >= 0 && parse(version)[0] === parse(caret[1])[0];
        const atLeast = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(comparator);
        if (atLeast) return compare(version, atLeast[1]) >= 0;
        throw new Error(`check-node.mjs does not read the range part "${comparator}"`);
      }),
  );
}

/** What to say for `version` given the range Billfold names: nothing, a warning, or a refusal. */
export function nodeVerdict(version, range) {
  const v = version.replace(/^v/, '');
  if (satisfies(v, range)) return { ok: true };
  const wanted = `Billfold needs ${supportedWords}; this is Node.js ${v}.`;
  if (compare(v, floor) >= 0) {
    return {
      ok: true,
      warning: `${wanted} Electron 45's tools and ESLint 10 ask for it, and npm warns about them: building, the tests and \`npm run web\` still run on ${v}, but use Node.js 22 or 24 LTS.`,
    };
  }
  return { ok: false, error: `${wanted} Install Node.js 22 or 24 LTS (https://nodejs.org) and run npm install again.` };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8'));
  const verdict = nodeVerdict(process.version, pkg.engines.node);
  if (verdict.warning) console.error(verdict.warning);
  if (!verdict.ok) {
    console.error(verdict.error);
    process.exit(1);
  }
}
