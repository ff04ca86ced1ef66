import { app } from 'electron';
import { ProcessOutput } from '../cli/output';
import { runCli } from '../cli/program';

/** The arguments after `--cli`, when the app was started as `Billfold --cli <command> …`. */
export function cliArguments(argv: readonly string[]): string[] | undefined {
  const at = argv.indexOf('--cli');
  return at < 0 ? undefined : argv.slice(at + 1);
}

/**
 * `Billfold --cli <command>`: the command line inside the installed app. Runs before any window
 * exists, with the app's own user-data and documents folders and keychain, then quits with the
 * command's exit code.
 */
export async function runElectronCli(args: string[]): Promise<never> {
  const stdout = new ProcessOutput(1, process.stdout);
  const stderr = new ProcessOutput(2, process.stderr);
  const code = await runCli(args, {
    shell: 'electron',
    version: app.getVersion(),
    defaultUserDataDir: app.getPath('userData'),
    documentsDir: app.getPath('documents'),
    stdout,
    stderr,
  }).catch((error: unknown) => {
    stderr.write(`billfold: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  });
  // Quit once stderr has drained too (a pipe to a script may still hold output).
  void stderr.drained().then(() => app.exit(code));
  return new Promise<never>(() => undefined);
}
