import type { AccountSummary } from '../../../contract/models/app';
import { providerNames } from '../../../contract/models/app';
import { withJson, type CliCommand } from '../kit';
import { localDateTime, table } from '../text';

function syncText(a: AccountSummary): string {
  if (a.sync.lastError) return `failed ${localDateTime(a.sync.lastError.at)}: ${a.sync.lastError.message}`;
  if (a.sync.lastSuccessAt) return `ok ${localDateTime(a.sync.lastSuccessAt)}`;
  return 'never';
}

/** `billfold accounts list`: the accounts of the user-data folder, without any secret. */
export const accountsCommand: CliCommand = ({ program, run }) => {
  const accounts = program.command('accounts').description('the accounts Billfold knows');
  withJson(accounts.command('list').description('list the accounts (id, provider, name, last sync); no credentials are shown')).action(
    run(async (session) => {
      const list = await session.services.accounts.list();
      session.result(list, () => {
        const lines: string[] = [];
        if (!list.keychain.available) lines.push(`Keychain not available: ${list.keychain.reason ?? 'it did not answer'}`, '');
        if (list.accounts.length === 0) lines.push('No accounts yet. Add one in the app, or run `billfold demo`.');
        else
          lines.push(
            table(
              ['ID', 'PROVIDER', 'NAME', 'LAST SYNC'],
              list.accounts.map((a) => [a.id, providerNames[a.provider], a.name, syncText(a)]),
            ),
          );
        for (const notice of list.notices) lines.push(`Note: ${notice}`);
        return lines.join('\n');
      });
    }),
  );
};
