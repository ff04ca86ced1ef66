// Which sources `dist/` was built from, so `npm start` rebuilds only when something changed.
// `npm run build` clears the stamp before it starts (noting the sources it builds from) and writes
// it once every part is built, so a build that failed half-way is never taken for a current one.
//   node scripts/build-stamp.mjs clear | write
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything `npm run build` reads from the checkout (folders are walked). */
export const buildInputs = ['main', 'renderer', 'preload', 'contract', 'package.json', 'package-lock.json', 'vite.config.ts', 'tsconfig.base.json', 'tsconfig.node.json'];
/** What `npm run build` makes; all of it must be there. */
export const buildOutputs = ['dist/main/index.cjs', 'dist/preload/index.cjs', 'dist/renderer/index.html', 'dist/cli/billfold.cjs'];
const stampFile = (root) => path.join(root, 'dist', '.source-stamp');
/** The sources as the build found them when it started: a file edited during the build makes the next start build again. */
const pendingFile = (root) => `${stampFile(root)}.pending`;

function* files(root, relative) {
  let stat;
  try {
    stat = fs.statSync(path.join(root, relative));
  } catch {
    return;
  }
  if (stat.isFile()) {
    yield relative;
    return;
  }
  if (!stat.isDirectory()) return;
  for (const name of fs.readdirSync(path.join(root, relative)).sort()) yield* files(root, path.join(relative, name));
}

/** A hash of the build's inputs: their paths and contents (a touched but unchanged file does not count). */
export function sourceStamp(root) {
  const hash = createHash('sha256');
  for (const input of buildInputs) {
    for (const file of files(root, input)) {
      hash.update(`${file.split(path.sep).join('/')}\0`);
      hash.update(fs.readFileSync(path.join(root, file)));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

/** True when every output exists and was built from the sources as they are now. */
export function buildIsCurrent(root) {
  if (!buildOutputs.every((file) => fs.existsSync(path.join(root, file)))) return false;
  try {
    return fs.readFileSync(stampFile(root), 'utf8').trim() === sourceStamp(root);
  } catch {
    return false;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.cwd();
  const action = process.argv[2];
  if (action === 'clear') {
    fs.rmSync(stampFile(root), { force: true });
    fs.mkdirSync(path.dirname(stampFile(root)), { recursive: true });
    fs.writeFileSync(pendingFile(root), `${sourceStamp(root)}\n`);
  } else if (action === 'write') {
    fs.renameSync(pendingFile(root), stampFile(root));
  } else {
    console.error('Usage: node scripts/build-stamp.mjs clear|write');
    process.exit(2);
  }
}
