import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

// `npm run test:electron` (scripts/test-electron.mjs) in a small copy of a checkout whose
// `electron` package has no binary and would try to download one if asked where it is.

const repoRoot = path.resolve(__dirname, '..', '..', '..');
let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-test-electron-'));
  await fs.mkdir(path.join(root, 'scripts'));
  await fs.copyFile(path.join(repoRoot, 'scripts', 'test-electron.mjs'), path.join(root, 'scripts', 'test-electron.mjs'));
  const electron = path.join(root, 'node_modules', 'electron');
  await fs.mkdir(electron, { recursive: true });
  await fs.writeFile(path.join(electron, 'package.json'), JSON.stringify({ name: 'electron', version: '45.0.0', main: 'index.js' }));
  await fs.writeFile(
    path.join(electron, 'index.js'),
    "console.log('Downloading Electron binary...'); throw new Error('fetch failed\\n    at a stack trace');\n",
  );
});

afterAll(() => fs.rm(root, { recursive: true, force: true }));

it('says in one line that there is no Electron binary, without trying to download one', () => {
  const env = { ...process.env };
  delete env['ELECTRON_OVERRIDE_DIST_PATH'];
  delete env['BILLFOLD_E2E_EXECUTABLE'];
  const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'test-electron.mjs')], { cwd: root, env, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stderr).toBe('');
  expect(run.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^electron e2e: skipped, no Electron binary: /)]);
});
