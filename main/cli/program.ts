import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { commands } from './commands';
import { runSession, type CliHost } from './context';
import { exitCodesHelp, type CommandKit } from './kit';
import { exitCodes, type ExitCode } from './exit-codes';
import { outputFailureMessage, readerGone } from './output';
import { jsonText } from './text';

/** Builds the whole command line; `runCli` parses with it. */
export function buildProgram(host: CliHost, onExit: (code: ExitCode) => void): Command {
  const program = new Command('billfold')
    .description('Billfold on the command line: the accounts, the same keychain and files as the window.')
    .version(host.version, '-V, --version', 'print the version')
    .addOption(new Option('--user-data <dir>', 'the user-data folder (accounts, settings, library index); the window’s by default'))
    .helpOption('-h, --help', 'show help for a command')
    .addHelpText('after', exitCodesHelp)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => host.stdout.write(s),
      writeErr: (s) => host.stderr.write(s),
    });
  const kit: CommandKit = {
    program,
    run:
      (work) =>
      async (...args) => {
        // Commander passes (...positionals, options, command): the command carries the options.
        const command = args[args.length - 1] as Command;
        onExit(await runSession(host, command, (session) => work(session, ...args)));
      },
  };
  for (const add of commands) add(kit);
  refuseOptionsAsValues(program);
  return program;
}

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}

/**
 * An option's value that is itself one of the options (`sync --account --json`) is a forgotten
 * value, not an account called "--json"; an empty value (`--user-data=`) is none either, where it
 * would quietly mean the current folder. Both are usage errors.
 */
function refuseOptionsAsValues(program: Command): void {
  const all = everyCommand(program);
  const flags = new Set(['-h', '--help', '-V', '--version', ...all.flatMap((c) => c.options.flatMap((o) => [o.long, o.short].filter((f) => f !== undefined)))]);
  for (const option of all.flatMap((c) => c.options)) {
    if (!option.required && !option.optional) continue;
    const parse = option.parseArg;
    option.argParser((value: string, previous: unknown) => {
      if (value.trim() === '') throw new InvalidArgumentError('the value is empty.');
      if (flags.has(value)) throw new InvalidArgumentError(`${value} is an option, not a value: give the value right after ${option.long ?? option.flags}.`);
      return parse ? parse(value, previous) : value;
    });
  }
}

/** Runs one command line (without the program name); answers the exit code. */
export async function runCli(argv: readonly string[], host: CliHost): Promise<ExitCode> {
  let code: ExitCode = exitCodes.ok;
  const program = buildProgram(host, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and version asked for are a success; help shown because no command was given, an
    // unknown command or option, a missing or malformed argument: a usage error.
    code = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? exitCodes.ok : exitCodes.usage;
    // Commander has said what is wrong on stderr; a script that asked for JSON gets it as JSON too.
    if (code === exitCodes.usage && wantsJson(argv)) host.stdout.write(jsonText({ error: { code: 'invalid_args', message: usageMessage(error) } }));
  }
  return outputChecked(host, code);
}

/** `--json` among the options (not after `--`, where it would be a file name). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

function usageMessage(error: CommanderError): string {
  if (error.code === 'commander.help') return 'No command given: `billfold --help` lists them.';
  return error.message.replace(/^error: /, '').trim();
}

/**
 * A run whose output did not reach stdout whole (a full disk, a file size limit) failed, even if
 * the command itself did not: a scheduled `--json >> log` must not take a cut document for done.
 * A reader that went away (`billfold … | head`) took what it wanted: the run ends quietly with
 * the command's own code, as other command-line tools do.
 */
async function outputChecked(host: CliHost, code: ExitCode): Promise<ExitCode> {
  await host.stdout.drained?.();
  const failure = host.stdout.failure;
  if (failure === undefined || readerGone(failure)) return code;
  host.stderr.write(`billfold: ${outputFailureMessage(failure)}\n`);
  return code === exitCodes.ok ? exitCodes.failed : code;
}
