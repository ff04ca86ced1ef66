// `npm start`: builds Billfold and launches it in Electron. Electron's install script is not
// allowed to run during `npm install` (see allowScripts), so the binary is fetched here, once,
// on request. Extra arguments go to the app: `npm start -- --demo`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('npm', ['run', '--silent', 'build']);

if (!process.env.ELECTRON_OVERRIDE_DIST_PATH && !fs.existsSync(path.join(electronDir, 'path.txt'))) {
  console.log('Fetching the Electron binary (first start only)…');
  const fetched = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
  });
  if (fetched.status !== 0 || !fs.existsSync(path.join(electronDir, 'path.txt'))) {
    console.error('\nThe Electron binary could not be downloaded on this machine.');
    console.error('Run `npm run web` to use Billfold in your browser instead, or set ELECTRON_OVERRIDE_DIST_PATH to an Electron build.');
    process.exit(1);
  }
}

const electron = require('electron');
const app = spawnSync(electron, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(app.status ?? 0);
