// `npm run test:electron`, a step of `npm test`: the Electron end-to-end suite (tests/electron).
// It needs an Electron binary: the one a normal `npm install` (or the first `npm start`) puts in
// node_modules/electron, ELECTRON_OVERRIDE_DIST_PATH's, or a packaged test build named by
// BILLFOLD_E2E_EXECUTABLE (`npm run dist:e2e`). Where there is none, it prints one line saying so
// and exits 0, so the rest of `npm test` runs. Same rules as tests/electron/electron-target.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function missingReason() {
  const packaged = process.env.BILLFOLD_E2E_EXECUTABLE;
  if (packaged) return fs.existsSync(packaged) ? undefined : `BILLFOLD_E2E_EXECUTABLE names ${packaged}, which does not exist`;
  // Where the electron package would look, read without require('electron'): that tries to
  // download a missing binary, printing a stack trace where it cannot.
  const electronDir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(electronDir, 'path.txt');
  const name = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8') : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const executable = path.join(override, name ?? 'electron');
    return fs.existsSync(executable) ? undefined : `no Electron binary at ${executable} (check ELECTRON_OVERRIDE_DIST_PATH)`;
  }
  if (name === undefined || !fs.existsSync(path.join(electronDir, 'dist', name))) {
    return 'no Electron binary: node_modules/electron was installed without it (ELECTRON_SKIP_BINARY_DOWNLOAD); `npm start` fetches it, or set ELECTRON_OVERRIDE_DIST_PATH to an Electron build';
  }
  return undefined;
}

const reason = missingReason();
if (reason) {
  console.log(`electron e2e: skipped, ${reason}.`);
  process.exit(0);
}
if (!process.env.BILLFOLD_E2E_EXECUTABLE && !fs.existsSync('dist/main/index.cjs')) {
  console.error('electron e2e: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const command = ['npx', 'playwright', 'test', '--config', 'playwright.electron.config.ts', ...process.argv.slice(2)];
// Linux without a display: a virtual one. The keychain: a private Secret Service, as for unit tests.
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && has('xvfb-run')) command.unshift('xvfb-run', '-a');
if (process.platform === 'linux' && has('dbus-run-session') && has('gnome-keyring-daemon')) command.unshift('sh', 'scripts/with-keychain.sh');
const env = { ...process.env };
delete env.PLAYWRIGHT_JSON_OUTPUT_NAME; // npm test's report of the browser suite is not this suite's
const result = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env });
process.exit(result.status ?? 1);
