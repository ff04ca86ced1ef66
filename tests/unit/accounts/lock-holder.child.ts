/**
 * Run as a child process by instance-lock.test.ts: takes the user-data lock like a front door
 * does, then adds accounts to the folder's account list one at a time and stays alive, so the
 * test can start a second process on the same folder or kill this one.
 */
import { createRegistry } from '../../../main/accounts/registry';
import { acquireInstanceLock } from '../../../main/fs/instance-lock';
import { AppError } from '../../../main/http/errors';

const [dir, prefix, count] = process.argv.slice(2) as [string, string, string];

async function main() {
  try {
    await acquireInstanceLock(dir, 'the command line');
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`${error.code}: ${error.message}\n`);
    process.exit(3);
  }
  const registry = createRegistry(dir);
  for (let i = 0; i < Number(count); i++) {
    const id = `${prefix}${i}`;
    await registry.update((data) => {
      data.accounts.push({ id, name: id, provider: 'soracom', baseUrl: 'https://api.soracom.io/v1', credentialKind: 'authKey', demo: false, sync: {} });
      return { data, result: undefined };
    });
  }
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
}

void main();
