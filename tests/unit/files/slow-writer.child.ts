/**
 * Run as a child process by write.test.ts: starts saving an endless file with the real writer
 * and says so on stdout after the first megabyte, so the test can kill it half-way.
 */
import { writeNewFile } from '../../../main/files/write';

const [dir, name] = process.argv.slice(2);

async function* endless(): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(256 * 1024).fill(0x41);
  for (let i = 0; ; i++) {
    yield chunk;
    if (i === 3) process.stdout.write('writing\n');
    await new Promise((r) => setTimeout(r, 5));
  }
}

void writeNewFile(dir!, name!, endless());
