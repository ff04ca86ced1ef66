/**
 * Run as a child process by startup-cleanup.test.ts: saves a whole file into an account folder
 * with the real writer and library, and hangs after the file got its name but before the library
 * recorded it, saying so on stdout, so the test can kill it in exactly that moment.
 */
import { createLibraryIndex } from '../../../main/files/library-index';
import { writeNewFile } from '../../../main/files/write';

const [userDataDir, downloadsRoot, fileName] = process.argv.slice(2) as [string, string, string];

async function main() {
  const library = createLibraryIndex(userDataDir, { downloadsRoot: () => Promise.resolve(downloadsRoot) });
  const dir = await library.folderFor(downloadsRoot, { id: 'acc_soracom', name: 'Soracom (demo)' });
  await writeNewFile(dir, fileName, new TextEncoder().encode('a,b\r\n1,2\r\n'), {
    record: () => {
      process.stdout.write('named\n');
      return new Promise<void>(() => undefined);
    },
  });
}

void main();
