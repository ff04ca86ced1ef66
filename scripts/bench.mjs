// Prints Billfold's performance figures against their budgets. Figures, not pass/fail tests:
// a busy machine changes timings, so budgets are reported here and read by people.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const figures = [];

function report(name, value, unit, budget) {
  const within = budget === undefined ? undefined : value <= budget;
  figures.push({ name, value, unit, budget, within });
  const verdict = budget === undefined ? '' : within ? `  (budget ${budget} ${unit}: within)` : `  (budget ${budget} ${unit}: OVER)`;
  console.log(`${name}: ${value} ${unit}${verdict}`);
}

function rendererBundle() {
  const build = spawnSync('npx', ['vite', 'build', '--mode', 'renderer', '--logLevel', 'error'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('The renderer build failed.');
  const assets = path.resolve('dist/renderer/assets');
  let js = 0;
  for (const file of fs.readdirSync(assets)) {
    if (file.endsWith('.js')) js += gzipSync(fs.readFileSync(path.join(assets, file)), { level: 9 }).length;
  }
  report('renderer JavaScript, gzipped', Math.round((js / 1024) * 10) / 10, 'KB', 200);
}

rendererBundle();
console.log(JSON.stringify({ figures }));
