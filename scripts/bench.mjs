// `npm run bench`: prints Billfold's performance figures against their budgets. Figures, not
// pass/fail tests: a busy machine changes timings, so budgets are reported here for people to read.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const args = process.argv.slice(2);
// With --csv only the CSV summary runs, printing nothing but its JSON line.
const csvOnly = args.includes('--csv');

if (!csvOnly) {
  run('npx', ['vite', 'build', '--mode', 'renderer', '--logLevel', 'error']);
  const assets = path.resolve('dist/renderer/assets');
  let js = 0;
  for (const file of fs.readdirSync(assets)) {
    if (file.endsWith('.js')) js += gzipSync(fs.readFileSync(path.join(assets, file)), { level: 9 }).length;
  }
  const kb = Math.round((js / 1024) * 10) / 10;
  console.log(`renderer JavaScript, gzipped: ${kb} KB  (budget 200 KB: ${kb <= 200 ? 'within' : 'OVER'})`);
}

run('npx', ['vite', 'build', '--mode', 'bench', '--logLevel', 'error']);
run(process.execPath, ['dist/bench/run.cjs', ...args]);
