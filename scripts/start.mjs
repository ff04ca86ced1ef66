// `npm start`: builds Billfold (only when its sources changed since the last build) and launches it
// in Electron. Electron's install script is not allowed to run during `npm install` (see
// allowScripts), so the binary is fetched here, once, on request. Where that cannot work, it says
// so in two lines and points to `npm run web`. Extra arguments go to the app: `npm start -- --demo`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent } from './build-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const insteadLine = 'Run `npm run web` instead: it serves the same app to your browser at the address it prints.';

/** Says what failed and what to do instead, and stops: no stack trace, a non-zero exit. */
function fail(what) {
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  console.error(`npm start: ${what}`);
  console.error(insteadLine);
  process.exit(1);
}

/** The first line of an error report that says what went wrong, without the stack. */
function reasonOf(output) {
  const line = output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('at '));
  return line ? line.replace(/^(\w*Error|Error):\s*/, '').slice(0, 160) : undefined;
}

function electronBinary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return require('electron');
  let electronDir;
  try {
    electronDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    fail('Electron is not installed (run `npm install` first).');
  }
  const pathFile = path.join(electronDir, 'path.txt');
  const installed = () => fs.existsSync(pathFile) && fs.existsSync(path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8')));
  if (!installed()) {
    // On a terminal, the note is cleared again if the fetch fails, so a failure still reads as two lines.
    if (process.stdout.isTTY) process.stdout.write('Fetching the Electron binary (first start only)…');
    const fetched = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
    });
    if (fetched.status !== 0 || !installed()) {
      const reason = reasonOf(`${fetched.stderr ?? ''}\n${fetched.stdout ?? ''}`) ?? fetched.error?.message;
      fail(`the Electron binary could not be downloaded${reason ? ` (${reason})` : ''}, so Billfold's window cannot open on this machine.`);
    }
    if (process.stdout.isTTY) process.stdout.write('\n');
  }
  return require('electron');
}

const electron = electronBinary();

if (!buildIsCurrent(root)) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const app = spawnSync(electron, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (app.error) fail(`Electron could not be started (${app.error.message}).`);
process.exit(app.status ?? 0);
