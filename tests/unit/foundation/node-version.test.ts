import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { nodeVerdict } from '../../../scripts/check-node.mjs';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean };
const verdict = nodeVerdict as (version: string, range: string) => { ok: boolean; warning?: string; error?: string };

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: unknown } | string[] }>;
};

/** The lowest version of each line package.json names (`^22.13.0 || >=24` → 22.13.0, 24.0.0). */
const lowestNamed = pkg.engines.node.split('||').map((part) => {
  const [major = '0', minor = '0', patch = '0'] = (/(\d+(?:\.\d+){0,2})/.exec(part)?.[1] ?? '0').split('.');
  return `${major}.${minor}.${patch}`;
});

describe('the Node.js version Billfold names', () => {
  it('is accepted by every package npm installs, so npm install on it prints no engine warning', () => {
    const refusing: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (where === '' || typeof range !== 'string') continue;
      for (const version of lowestNamed) if (!semver.satisfies(version, range)) refusing.push(`${where} wants ${range}, not ${version}`);
    }
    expect(refusing).toEqual([]);
    expect(lock.packages['']?.engines).toEqual(pkg.engines);
  });

  it('is checked before npm install: older versions are told what to use, and one that cannot build is stopped', () => {
    for (const version of lowestNamed) expect(verdict(version, pkg.engines.node)).toEqual({ ok: true });
    const node20 = verdict('20.20.2', pkg.engines.node);
    expect(node20.ok).toBe(true);
    expect(node20.warning).toMatch(/^Billfold needs Node\.js 22 \(22\.13 or newer\) or Node\.js 24 or newer; this is Node\.js 20\.20\.2\./);
    const node18 = verdict('v18.20.0', pkg.engines.node);
    expect(node18.ok).toBe(false);
    expect(node18.error).toMatch(/Install Node\.js 22 or 24 LTS/);
  });
});
