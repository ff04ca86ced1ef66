/**
 * `npx billfold <command>` in a checkout, after `npm run build`: the command line under plain Node,
 * with the same user-data folder, documents folder and keychain entries as the installed app.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessOutput } from './output';
import { runCli } from './program';

/** Where Electron keeps Billfold's user data on each OS (`app.getPath('userData')`). */
export function defaultUserDataDir(platform = process.platform, env = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'Billfold');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Billfold');
  return path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'Billfold');
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function main(): Promise<void> {
  const stdout = new ProcessOutput(1, process.stdout);
  const stderr = new ProcessOutput(2, process.stderr);
  const code = await runCli(process.argv.slice(2), {
    shell: 'cli',
    version: version(),
    defaultUserDataDir: defaultUserDataDir(),
    documentsDir: path.join(os.homedir(), 'Documents'),
    stdout,
    stderr,
  }).catch((error: unknown) => {
    stderr.write(`billfold: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  });
  // Leave once stderr has drained too (a pipe to a script may still hold output).
  process.exitCode = code;
  await stderr.drained();
  process.exit(code);
}

void main();
