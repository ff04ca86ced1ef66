/// <reference types="vite/client" />
/**
 * Runs every `*.bench.ts` beside this file, in name order. Each exports a default
 * `(args: string[]) => Promise<void>` that prints its figures with `report`.
 */
import { figures } from './report';

type Bench = (args: string[]) => Promise<void>;

const benches = import.meta.glob<{ default: Bench }>('./*.bench.ts', { eager: true });

async function main() {
  const args = process.argv.slice(2);
  // BILLFOLD_BENCH_ONLY=<part of a file name> runs that bench alone (one that measures itself in a child process).
  const only = process.env['BILLFOLD_BENCH_ONLY'];
  for (const name of Object.keys(benches).sort()) {
    if (only !== undefined && !name.includes(only)) continue;
    const bench = benches[name];
    if (bench) await bench.default(args);
  }
  console.log(JSON.stringify({ figures }));
}

void main();
