// Security gate: runs Electronegativity (@doyensec/electronegativity) on the built app and fails on
// any finding that security/electronegativity-exceptions.json does not accept with a reason.
//
//   npm run build && npm run test:electronegativity      (`npm test` runs it after the build)
//
// How, and why this way:
// - Electronegativity reads .js/.ts/.html files and package.json only, so the built output
//   (dist/main and dist/preload are .cjs bundles; dist/renderer) is staged in a temporary folder,
//   .cjs renamed to .js, next to the package.json that is packaged. Its JavaScript parser path
//   cannot walk newer syntax (class private fields in the Svelte bundle): a file it fails on is
//   staged again as .ts, which it parses with Babel's TypeScript parser, and the scan is repeated.
//   A file that still fails fails the gate.
// - It is run through the function its CLI calls, with the CLI's options (-i <staged folder>,
//   -e <Electron version>, -o <file>.sarif, -r, -x <checks>), because with -o the CLI drops parse
//   errors and an unparsed file would pass silently. The verdict is taken from the SARIF report.
// - It exits 0 even when it finds problems: every finding fails the gate unless an exception with
//   a reason accepts it (same rule, same built file, flagged source containing `match`).
// - It must not use the network, yet it fetches translations and Electron's release list at run
//   time: its HTTP client (`got`) is swapped for one that refuses every request, and the one check
//   that needs the release list is excluded, with its reason, in the exceptions file.
// - A canary runs first: small files with known insecure settings must produce the findings they
//   should, through both parser paths, so the gate can never be green by seeing nothing.
// - Electronegativity reads only settings written as literals in `new BrowserWindow({...})`; a
//   value a function returns or computes is invisible to it. So the built main bundle is also run
//   against a stand-in for `electron` (scripts/security/window-options-probe.mjs), and every
//   window it creates must have sandbox and context isolation on and Node integration off.
//
//   node scripts/electronegativity-gate.mjs [--dist <folder>]    (default: dist)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exceptionsFile = path.join(root, 'security/electronegativity-exceptions.json');
const sarifFile = path.join(root, 'test-results/electronegativity.sarif');
const electronVersion = JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const toolVersion = JSON.parse(fs.readFileSync(require.resolve('@doyensec/electronegativity/package.json'), 'utf8')).version;
const builtFolders = ['dist/main', 'dist/preload', 'dist/renderer'];
const distArg = process.argv.indexOf('--dist');
/** Where the built output is read from; reported under its dist/ names, as the exceptions name them. */
const distRoot = path.resolve(distArg >= 0 && process.argv[distArg + 1] ? process.argv[distArg + 1] : path.join(root, 'dist'));

/** What every window must have, whatever code computes it. */
const requiredWebPreferences = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
};

/** Runs the built main bundle against a stand-in Electron and checks the webPreferences of every window it creates. */
function checkWindowsOfBundle(bundle) {
  const probe = spawnSync(process.execPath, [path.join(root, 'scripts/security/window-options-probe.mjs'), bundle], { encoding: 'utf8', timeout: 60_000 });
  const line = (probe.stdout ?? '').trim().split('\n').at(-1) ?? '';
  let report;
  try {
    report = JSON.parse(line);
  } catch {
    return fail(`the window probe could not run ${path.relative(process.cwd(), bundle)}: ${(probe.stderr ?? '').slice(0, 400) || probe.error}`);
  }
  if (report.windows.length === 0) fail(`the built main bundle created no window under the probe${report.error ? ` (${report.error})` : ''}; its settings cannot be checked`);
  const wrong = [];
  for (const [i, prefs] of report.windows.entries()) {
    for (const [key, value] of Object.entries(requiredWebPreferences)) {
      if (prefs[key] !== value) wrong.push(`window ${i + 1}: ${key} is ${JSON.stringify(prefs[key])}, must be ${value}`);
    }
  }
  if (wrong.length > 0) fail(`the built main bundle turns protections off (${wrong.join('; ')})`);
  console.log(`  windows   ${report.windows.length} window(s) created by the built main bundle: sandbox, context isolation on; Node integration off`);
}

function fail(message) {
  console.error(`electronegativity gate: FAILED: ${message}`);
  process.exit(1);
}

// --- no network: every request the tool tries is refused and recorded ----------------------------
const refusedRequests = new Set();
const offlineGot = (url) => {
  refusedRequests.add(String(url));
  return Promise.reject(new Error('network access is disabled in the security gate'));
};
offlineGot.head = offlineGot;
offlineGot.get = offlineGot;
const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === 'got') return offlineGot;
  return originalLoad.call(this, request, parent, isMain);
};
process.env.LANG = 'en-US'; // its bundled English messages

const runnerModule = require('@doyensec/electronegativity/dist/runner.js');
/** @type {(options: object) => Promise<{ errors: { file: string, message: string, tolerable: boolean }[] }>} */
const runElectronegativity = runnerModule.default ?? runnerModule;

const exceptions = JSON.parse(fs.readFileSync(exceptionsFile, 'utf8'));
for (const entry of [...exceptions.excludedChecks, ...exceptions.accepted]) {
  if (typeof entry.reason !== 'string' || entry.reason.trim().length < 20) fail(`every exception needs a reason: ${JSON.stringify(entry)}`);
}
for (const entry of exceptions.accepted) {
  if (typeof entry.rule !== 'string' || !('file' in entry)) fail(`an accepted finding names its rule and its built file (null for whole-app checks): ${JSON.stringify(entry)}`);
}

/** The tool writes its report through a callback it does not wait for: wait for complete JSON. */
async function readSarif(file) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return fail(`no readable SARIF report at ${file}`);
}

async function runOnce(input, output) {
  fs.rmSync(output, { force: true });
  const log = console.log;
  console.log = (...args) => {
    // Its one notice about running offline; anything else it prints is kept.
    if (!String(args[0]).startsWith('Could not retrieve updated translations')) log(...args);
  };
  try {
    const outcome = await runElectronegativity({
      input, // -i
      output, // -o
      isSarif: true,
      isRelative: true, // -r
      electronVersionOverride: electronVersion, // -e
      excludeFromScan: exceptions.excludedChecks.map((c) => c.check.toLowerCase()), // -x
      customScan: [],
      parserPlugins: [],
    });
    return { errors: outcome.errors.filter((e) => !e.tolerable), sarif: await readSarif(output) };
  } finally {
    console.log = log;
  }
}

/**
 * Scans a staged folder. `names` maps each staged file (relative) to the name reported for it; a
 * .js file the JavaScript path cannot parse is renamed to .ts and the scan repeated.
 */
async function scan(input, output, names) {
  let { errors, sarif } = await runOnce(input, output);
  const restaged = [];
  if (errors.length > 0) {
    for (const error of errors) {
      const relative = path.relative(input, error.file);
      if (!relative.endsWith('.js')) continue;
      const asTs = relative.replace(/\.js$/, '.ts');
      fs.renameSync(path.join(input, relative), path.join(input, asTs));
      names.set(asTs, names.get(relative));
      names.delete(relative);
      restaged.push(`${names.get(asTs)} (${error.message})`);
    }
    ({ errors, sarif } = await runOnce(input, output));
  }
  if (errors.length > 0) fail(`could not parse ${errors.map((e) => `${names.get(path.relative(input, e.file)) ?? e.file}: ${e.message}`).join('; ')}`);
  const findings = sarif.runs[0].results.map((result) => {
    const location = result.locations[0].physicalLocation;
    const staged = location.artifactLocation.uri === 'file:///' ? null : location.artifactLocation.uri;
    let source = '';
    if (staged) {
      const line = fs.readFileSync(path.join(input, staged), 'utf8').split('\n')[location.region.startLine - 1] ?? '';
      const from = location.region.startColumn - 1;
      source = (location.region.charLength > 0 ? line.slice(from, from + location.region.charLength) : line.slice(from, from + 120)).trim();
    }
    return { rule: result.ruleId, message: result.message.text, file: staged ? (names.get(staged) ?? staged) : null, line: location.region.startLine, source };
  });
  return { findings, restaged };
}

function where(finding) {
  return `${finding.file ?? '(whole app)'}${finding.file ? `:${finding.line}` : ''}${finding.source ? ` \`${finding.source}\`` : ''}`;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-electronegativity-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true })); // also after fail()
try {
  // --- what a function sets: the windows the built bundle really creates ------------------------------
  if (!fs.existsSync(path.join(distRoot, 'main', 'index.cjs'))) fail('dist/main/index.cjs is missing; run `npm run build` first');
  checkWindowsOfBundle(path.join(distRoot, 'main', 'index.cjs'));

  // --- canary: both parser paths must report known insecure settings -------------------------------
  const canary = path.join(work, 'canary');
  fs.mkdirSync(canary);
  const insecure = [
    "const { BrowserWindow, shell } = require('electron');",
    'const win = new BrowserWindow({ webPreferences: { contextIsolation: false, sandbox: false, webSecurity: false } });',
    'new BrowserWindow({ webPreferences: { nodeIntegration: true } });',
    "win.loadURL('http://example.com/');",
    'shell.openExternal(process.argv[2]);',
  ];
  fs.writeFileSync(path.join(canary, 'plain.js'), `${insecure.join('\n')}\n`);
  fs.writeFileSync(path.join(canary, 'modern.js'), `${insecure.join('\n')}\nclass Counter { #count = 0; next() { return ++this.#count; } }\nnew Counter().next();\n`);
  const canaryNames = new Map([
    ['plain.js', 'plain.js'],
    ['modern.js', 'modern.js'],
  ]);
  const { findings: canaryFindings } = await scan(canary, path.join(work, 'canary.sarif'), canaryNames);
  const expected = ['NODE_INTEGRATION_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'HTTP_RESOURCES_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK'];
  for (const file of ['plain.js', 'modern.js']) {
    const seen = new Set(canaryFindings.filter((f) => f.file === file).map((f) => f.rule));
    const missed = expected.filter((rule) => !seen.has(rule));
    if (missed.length > 0) fail(`the canary ${file} was not fully reported (missed ${missed.join(', ')}); this scan cannot be trusted`);
  }
  const canaryGlobals = new Set(canaryFindings.filter((f) => f.file === null).map((f) => f.rule));
  for (const rule of ['LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK']) {
    if (!canaryGlobals.has(rule)) fail(`the canary did not trigger ${rule}; this scan cannot be trusted`);
  }

  // --- stage the built output ------------------------------------------------------------------------
  const staged = path.join(work, 'app');
  const names = new Map();
  for (const folder of builtFolders) {
    const from = path.join(distRoot, path.relative('dist', folder));
    if (!fs.existsSync(from)) fail(`${folder} is missing; run \`npm run build\` first`);
    for (const relative of fs.readdirSync(from, { recursive: true })) {
      const source = path.join(from, relative);
      if (!fs.statSync(source).isFile()) continue;
      const target = path.join(folder, relative).replace(/\.cjs$/, '.js');
      fs.mkdirSync(path.dirname(path.join(staged, target)), { recursive: true });
      fs.copyFileSync(source, path.join(staged, target));
      if (/\.(js|html)$/.test(target)) names.set(target, path.join(folder, relative));
    }
  }
  fs.copyFileSync(path.join(root, 'package.json'), path.join(staged, 'package.json'));
  names.set('package.json', 'package.json');
  for (const required of ['dist/main/index.cjs', 'dist/preload/index.cjs', 'dist/renderer/index.html']) {
    if (![...names.values()].includes(required)) fail(`the built output has no ${required}; run \`npm run build\` first`);
  }

  // --- scan and judge --------------------------------------------------------------------------------
  fs.mkdirSync(path.dirname(sarifFile), { recursive: true });
  const started = Date.now();
  const scannedFiles = names.size;
  const { findings, restaged } = await scan(staged, sarifFile, names);
  const used = new Set();
  const accepted = [];
  const rejected = [];
  for (const finding of findings) {
    const exception = exceptions.accepted.find(
      (e) => e.rule === finding.rule && e.file === finding.file && (e.match === undefined || finding.source.includes(e.match)),
    );
    if (exception) {
      used.add(exception);
      accepted.push({ finding, exception });
    } else rejected.push(finding);
  }

  console.log(
    `Electronegativity ${toolVersion} with -e ${electronVersion}: ${scannedFiles} built files scanned in ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s, ${findings.length} finding(s); SARIF in ${path.relative(root, sarifFile)}`,
  );
  for (const note of restaged) console.log(`  parsed as TypeScript: ${note}`);
  for (const check of exceptions.excludedChecks) console.log(`  not run   ${check.check}: ${check.reason}`);
  for (const { finding, exception } of accepted) {
    console.log(`  accepted  ${finding.rule} at ${where(finding)}`);
    console.log(`            ${exception.reason}${exception.provenBy ? ` Proven by ${exception.provenBy}.` : ''}`);
  }
  for (const exception of exceptions.accepted.filter((e) => !used.has(e))) {
    console.log(`  unused    ${exception.rule}${exception.match ? ` \`${exception.match}\`` : ''}: matched nothing; remove it from ${path.relative(root, exceptionsFile)}`);
  }
  if (refusedRequests.size > 0) console.log(`  offline   refused its requests to ${[...refusedRequests].join(', ')}`);
  for (const finding of rejected) console.error(`  FAIL      ${finding.rule} at ${where(finding)}: ${finding.message}`);
  if (rejected.length > 0) {
    fail(`${rejected.length} finding(s) not accepted. Fix them, or accept each in ${path.relative(root, exceptionsFile)} with its reason.`);
  }
  console.log(`electronegativity gate: passed (${accepted.length} accepted finding(s), no others)`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
