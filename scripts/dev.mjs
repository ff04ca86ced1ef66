// `npm run dev`: the renderer with hot reload, talking to the real services. The web-bridge
// harness runs the main-process services; Vite serves the renderer and forwards the channels
// (/rpc, /events) and the bridge script to the harness. Open the address printed below.
import { spawn, spawnSync } from 'node:child_process';
import readline from 'node:readline';

const build = spawnSync('npm', ['run', '--silent', 'build:harness'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const harness = spawn(process.execPath, ['dist/harness/server.cjs', '--web', '--dist', 'dist', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const first = await new Promise((resolve) => readline.createInterface({ input: harness.stdout }).once('line', resolve));
const { url, token } = JSON.parse(first);

const vite = spawn('npx', ['vite', '--mode', 'renderer'], {
  stdio: ['inherit', 'pipe', 'inherit'],
  env: { ...process.env, BILLFOLD_HARNESS_URL: url, NO_COLOR: '1' },
});
vite.stdout.on('data', (chunk) => {
  const text = chunk.toString();
  process.stdout.write(text);
  const local = /Local:\s+(http:\/\/\S+)/.exec(text);
  if (local) process.stdout.write(`\nOpen Billfold with hot reload at:\n  ${local[1]}#token=${token}\n\n`);
});

const stop = () => {
  harness.kill('SIGTERM');
  vite.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
vite.on('exit', stop);
