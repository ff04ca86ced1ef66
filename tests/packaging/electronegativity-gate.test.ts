// The Electronegativity gate must fail on a built bundle that turns sandbox, context isolation or
// Node integration off, even when a function sets the value (Electronegativity itself reads only
// literals). A real main bundle is built with vite from the sources, with the secure
// webPreferences changed so that a function decides one of them, and the gate is run on it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Plugin } from 'vite';

const root = path.resolve('.');
let work: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-bad-bundle-'));
  // The preload and renderer as built; the main bundle is built here.
  for (const folder of ['preload', 'renderer']) await fs.cp(path.join(root, 'dist', folder), path.join(work, folder), { recursive: true });
  const weaken: Plugin = {
    name: 'weaken-web-preferences',
    transform(code, id) {
      if (!id.endsWith(path.join('main', 'security', 'web-preferences.ts'))) return undefined;
      // Each setting comes from a function; which one is off is chosen when the bundle runs.
      const off = (key: string, secure: boolean) => `${key}: (() => (process.env['BILLFOLD_TURN_OFF'] === '${key}' ? ${!secure} : ${secure}))(),`;
      return `${code
        .replace('contextIsolation: true,', off('contextIsolation', true))
        .replace('sandbox: true,', off('sandbox', true))
        .replace('nodeIntegration: false,', off('nodeIntegration', false))
        .replace('} as const;', '};')}`;
    },
  };
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    plugins: [weaken],
    build: {
      outDir: path.join(work, 'main'),
      emptyOutDir: true,
      target: 'node20',
      ssr: 'main/index.ts',
      sourcemap: false,
      minify: false,
      rollupOptions: { external: ['electron', 'keytar', /^node:/], output: { format: 'cjs', entryFileNames: 'index.cjs' } },
    },
    ssr: { noExternal: true, external: ['electron', 'keytar'] },
  });
  const bundle = await fs.readFile(path.join(work, 'main', 'index.cjs'), 'utf8');
  expect(bundle).toMatch(/BILLFOLD_TURN_OFF/);
}, 300_000);

afterAll(() => fs.rm(work, { recursive: true, force: true }));

function gate(env: Record<string, string>) {
  return spawnSync(process.execPath, ['scripts/electronegativity-gate.mjs', '--dist', work], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 });
}

describe('the Electronegativity gate on a bad bundle', () => {
  it.each([
    ['sandbox', 'sandbox is false, must be true'],
    ['contextIsolation', 'contextIsolation is false, must be true'],
    ['nodeIntegration', 'nodeIntegration is true, must be false'],
  ])('fails when a function turns %s the wrong way', (key, reason) => {
    const run = gate({ BILLFOLD_TURN_OFF: key });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toContain('the built main bundle turns protections off');
    expect(run.stderr).toContain(reason);
  });

  it('the same bundle with every protection on passes the window check', () => {
    const probe = spawnSync(process.execPath, ['scripts/security/window-options-probe.mjs', path.join(work, 'main', 'index.cjs')], { encoding: 'utf8', timeout: 60_000 });
    const report = JSON.parse(probe.stdout.trim().split('\n').at(-1) ?? '{}') as { windows: Record<string, unknown>[] };
    expect(report.windows).toHaveLength(1);
    expect(report.windows[0]).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
  });
});
