import { providerNames } from '../../../contract/models/app';
import { withJson, type CliCommand } from '../kit';
import { table } from '../text';

/** `billfold demo`: the three demo accounts, backed by the built-in sandboxes. */
export const demoCommand: CliCommand = ({ program, run }) => {
  withJson(
    program
      .command('demo')
      .description('add the demo accounts (one per provider, backed by the sandboxes built into Billfold) to the user-data folder')
      .addHelpText(
        'after',
        '\nThe sandboxes run inside each billfold process that needs them, so later commands (sync, download) work on the demo accounts too.',
      ),
  ).action(
    run(async (session) => {
      const accounts = await session.services.accounts.startDemo();
      session.result({ accounts }, () => table(['ID', 'PROVIDER', 'NAME'], accounts.map((a) => [a.id, providerNames[a.provider], a.name])));
    }),
  );
};
