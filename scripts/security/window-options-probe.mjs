// Runs a built main bundle (argv[2]) against a stand-in for the `electron` module and prints, as
// one JSON line, the webPreferences of every window it creates. The Electronegativity gate uses it
// to see settings Electronegativity cannot: values a function computes or returns.
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

const bundle = path.resolve(process.argv[2]);
const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-window-probe-'));
const windows = [];

/** Any Electron API the bundle uses that the probe does not look at: callable, awaitable as nothing. */
function anything() {
  return new Proxy(function () {}, {
    get: (_t, prop) => (prop === 'then' ? undefined : prop === Symbol.toPrimitive ? () => '' : anything()),
    apply: () => anything(),
    construct: () => anything(),
  });
}
function lenient(known) {
  return new Proxy(known, {
    get: (target, prop, receiver) => (prop in target ? Reflect.get(target, prop, receiver) : prop === 'then' ? undefined : anything()),
  });
}

class BrowserWindow {
  constructor(options) {
    windows.push(JSON.parse(JSON.stringify((options && options.webPreferences) || {})));
    return lenient(this);
  }
  static getAllWindows() {
    return [];
  }
  loadURL() {
    return Promise.resolve();
  }
  loadFile() {
    return Promise.resolve();
  }
}

const electron = lenient({
  app: lenient({
    whenReady: () => Promise.resolve(),
    requestSingleInstanceLock: () => true,
    getPath: (name) => path.join(userData, name),
    getAppPath: () => userData,
    getVersion: () => '0.0.0-probe',
    isPackaged: true,
    on: () => undefined,
    quit: () => undefined,
  }),
  BrowserWindow,
  screen: lenient({ getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] }),
});

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'electron') return electron;
  return load.call(this, request, parent, isMain);
};

function done(error) {
  process.stdout.write(`${JSON.stringify({ windows, error: error ? String(error) : undefined })}\n`);
  fs.rmSync(userData, { recursive: true, force: true });
  process.exit(0);
}

process.on('uncaughtException', done);
process.on('unhandledRejection', done);
try {
  require(bundle);
} catch (error) {
  done(error);
}
const started = Date.now();
const timer = setInterval(() => {
  if (windows.length > 0 || Date.now() - started > 15_000) {
    clearInterval(timer);
    done();
  }
}, 20);
