import type { ErrorInfo } from '../../../contract/errors';
import type { AccountSummary, ProviderId } from '../../../contract/models/app';
import { providerNames } from '../../../contract/models/app';
import { AppError } from '../../http/errors';
import { yearMonthOf } from '../../insight/rules';
import { syncAccountData } from '../../insight/scheduler';
import { CliPartialFailure, type CliSession } from '../context';
import { exitCodeForAll } from '../exit-codes';
import { withJson, type CliCommand } from '../kit';
import { table } from '../text';

/** A channel's refusal, carried out of the shared sync reads with the router's words for it. */
class ReadFailure extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = 'ReadFailure';
  }
}

export interface SyncOutcome {
  accountId: string;
  name: string;
  provider: ProviderId;
  ok: boolean;
  error?: ErrorInfo;
}

/** The accounts a command works on: all of them, or the one `--account` names (else a usage error). */
export async function chosenAccounts(session: CliSession, accountId: string | undefined): Promise<AccountSummary[]> {
  const list = await session.services.accounts.list();
  const one = accountId === undefined ? undefined : list.accounts.find((a) => a.id === accountId);
  if (accountId !== undefined && !one) session.usage(`There is no account ${accountId}. \`billfold accounts list\` shows the ids.`);
  const chosen = one ? [one] : list.accounts;
  // Demo accounts keep their sandbox credentials in memory; every other account needs the keychain.
  if (!list.keychain.available && chosen.some((a) => !a.demo)) {
    throw new AppError('keychain_unavailable', `Billfold keeps credentials only in your keychain, and it is not available. ${list.keychain.reason ?? ''}`.trim());
  }
  return chosen;
}

/** `billfold sync [--account ID]`: reads each account's data from its provider, as the window's background sync does. */
export const syncCommand: CliCommand = ({ program, run }) => {
  withJson(
    program
      .command('sync')
      .description('fetch each account’s current data from its provider and keep it for offline use')
      .option('--account <id>', 'only this account (see `billfold accounts list`)'),
  ).action(
    run(async (session, opts: { account?: string }) => {
      const accounts = await chosenAccounts(session, opts.account);
      const outcomes: SyncOutcome[] = [];
      for (const account of accounts) {
        session.progress(`Syncing ${account.name}…`);
        const outcome: SyncOutcome = { accountId: account.id, name: account.name, provider: account.provider, ok: true };
        try {
          // The same reads as the window's background sync, through the same handlers, so the
          // window finds every figure of its overview in what this sync keeps.
          await syncAccountData(account, yearMonthOf(new Date()), async (channel, args) => {
            const answer = await session.services.router.handle(channel, args);
            if (!answer.ok) throw new ReadFailure(answer.error);
            return answer.value;
          });
        } catch (error) {
          if (!(error instanceof ReadFailure)) throw error;
          outcome.ok = false;
          outcome.error = error.info;
        }
        outcomes.push(outcome);
      }
      session.result({ accounts: outcomes }, () =>
        outcomes.length === 0
          ? 'No accounts to sync.'
          : table(
              ['ID', 'PROVIDER', 'NAME', 'RESULT'],
              outcomes.map((o) => [o.accountId, providerNames[o.provider], o.name, o.ok ? 'ok' : `failed (${o.error?.code ?? '?'}): ${o.error?.message ?? ''}`]),
            ),
      );
      const failed = outcomes.flatMap((o) => (o.error ? [o.error.code] : []));
      if (failed.length > 0) throw new CliPartialFailure(exitCodeForAll(failed));
    }),
  );
};
