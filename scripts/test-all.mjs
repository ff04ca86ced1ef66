// Runs every check in order: system packages, lint, typecheck, build, unit tests (under a real
// keychain), end-to-end tests. Stops at the first failure and ends with one summary line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const reportsDir = path.resolve('test-results');
fs.mkdirSync(reportsDir, { recursive: true });
const vitestReport = path.join(reportsDir, 'vitest.json');
const playwrightReport = path.join(reportsDir, 'playwright.json');

const steps = [
  ['system packages', 'sh', ['scripts/ensure-system-deps.sh', 'test']],
  ['lint', 'npx', ['eslint', '--max-warnings', '0', '.']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['build', 'npm', ['run', '--silent', 'build']],
  ['build harness', 'npm', ['run', '--silent', 'build:harness']],
  ['unit tests', 'sh', ['scripts/with-keychain.sh', 'npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]],
  ['end-to-end tests', 'sh', ['scripts/with-keychain.sh', 'npx', 'playwright', 'test', '--reporter=list,json']],
];

// Packaging and security gates, on the build above: electron-builder config against its schema and
// a real packaging run (tests/packaging), the Electronegativity gate, and the Electron end-to-end
// suite (which prints one line and skips where no Electron binary exists).
steps.push(
  ['packaging tests', 'npx', ['vitest', 'run', '--config', 'tests/packaging/vitest.config.ts']],
  ['electronegativity', 'node', ['scripts/electronegativity-gate.mjs']],
  ['electron end-to-end tests', 'node', ['scripts/test-electron.mjs']],
);

function counts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (fs.existsSync(vitestReport)) {
    const v = JSON.parse(fs.readFileSync(vitestReport, 'utf8'));
    passed += v.numPassedTests;
    failed += v.numFailedTests;
    skipped += v.numPendingTests + v.numTodoTests;
  }
  if (fs.existsSync(playwrightReport)) {
    const p = JSON.parse(fs.readFileSync(playwrightReport, 'utf8'));
    passed += p.stats.expected + p.stats.flaky;
    failed += p.stats.unexpected;
    skipped += p.stats.skipped;
  }
  return { passed, failed, skipped };
}

fs.rmSync(vitestReport, { force: true });
fs.rmSync(playwrightReport, { force: true });
for (const [name, command, args] of steps) {
  const started = Date.now();
  console.log(`\n=== ${name}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    const c = counts();
    console.error(`\n${name} failed after ${seconds} s.`);
    console.log(`billfold: ${c.passed} passed, ${Math.max(c.failed, 1)} failed, ${c.skipped} skipped`);
    process.exit(1);
  }
  console.log(`--- ${name}: ok (${seconds} s)`);
}
const c = counts();
console.log(`\nbillfold: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
process.exit(c.failed === 0 && c.passed > 0 ? 0 : 1);
