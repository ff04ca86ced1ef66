import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` (scripts/start.mjs) in a small copy of a checkout: its real start and build-stamp
// scripts, a build that only notes that it ran, and an `electron` package whose fetch fails, as it
// does on a machine that cannot download the binary, or succeeds with a stand-in binary.

const repoRoot = path.resolve(__dirname, '..', '..', '..');
let root: string;

async function write(file: string, text: string, mode?: number) {
  await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await fs.writeFile(path.join(root, file), text, mode === undefined ? {} : { mode });
}

function start(args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const builds = async () => (await fs.readFile(path.join(root, 'build.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
const launches = async () => (await fs.readFile(path.join(root, 'electron.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-start-'));
  await fs.mkdir(path.join(root, 'scripts'));
  for (const script of ['start.mjs', 'build-stamp.mjs']) await fs.copyFile(path.join(repoRoot, 'scripts', script), path.join(root, 'scripts', script));
  await write(
    'package.json',
    JSON.stringify({
      name: 'start-check',
      private: true,
      type: 'module',
      scripts: { build: 'node scripts/build-stamp.mjs clear && node fake-build.mjs && node scripts/build-stamp.mjs write' },
    }),
  );
  await write(
    'fake-build.mjs',
    `import fs from 'node:fs';
fs.appendFileSync('build.log', 'built\\n');
for (const f of ['dist/main/index.cjs', 'dist/preload/index.cjs', 'dist/renderer/index.html', 'dist/cli/billfold.cjs']) {
  fs.mkdirSync(f.slice(0, f.lastIndexOf('/')), { recursive: true });
  fs.writeFileSync(f, '');
}
`,
  );
  await write('main/index.ts', 'export const version = 1;\n');
  await write('node_modules/electron/package.json', JSON.stringify({ name: 'electron', version: '0.0.0', main: 'index.js' }));
  await write(
    'node_modules/electron/index.js',
    `const fs = require('fs'), path = require('path');
module.exports = path.join(__dirname, 'dist', fs.readFileSync(path.join(__dirname, 'path.txt'), 'utf8'));
`,
  );
  // What Electron's install script does where its download fails: a stack trace, exit 1.
  await write(
    'node_modules/electron/install.js',
    `const fs = require('fs'), path = require('path');
if (process.env.FAKE_FETCH !== 'ok') {
  console.error('RequestError: getaddrinfo ENOTFOUND github.com\\n    at ClientRequest.<anonymous> (node_modules/got/index.js:1:1)\\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)');
  process.exit(1);
}
fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '#!/bin/sh\\necho "$@" >> electron.log\\n', { mode: 0o755 });
fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');
`,
  );
}, 30_000);

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('npm start', () => {
  it('where Electron cannot be fetched, prints what failed and what to run instead, in two lines, builds nothing and exits 1', async () => {
    const run = await start(['--demo']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("npm start: the Electron binary could not be downloaded (getaddrinfo ENOTFOUND github.com), so Billfold's window cannot open on this machine.");
    expect(lines[1]).toMatch(/^Run `npm run web` instead/);
    expect(await builds()).toBe(0);
  });

  it('builds once, then starts without building until a source changes', async () => {
    const env = { FAKE_FETCH: 'ok' };
    const first = await start(['--demo'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(await builds()).toBe(1);
    expect(await launches()).toEqual(['. --demo']);

    const second = await start([], env);
    expect(second.code, second.stderr).toBe(0);
    expect(await builds()).toBe(1);

    // Touched but unchanged is not a change.
    const later = new Date(Date.now() + 5_000);
    await fs.utimes(path.join(root, 'main', 'index.ts'), later, later);
    expect((await start([], env)).code).toBe(0);
    expect(await builds()).toBe(1);

    await write('main/index.ts', 'export const version = 2;\n');
    expect((await start([], env)).code).toBe(0);
    expect(await builds()).toBe(2);
    expect(await launches()).toHaveLength(4);

    // An output that went missing is built again.
    await fs.rm(path.join(root, 'dist', 'preload'), { recursive: true });
    expect((await start([], env)).code).toBe(0);
    expect(await builds()).toBe(3);
  }, 60_000);
});
