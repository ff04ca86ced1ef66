import type { Channel } from '../../../contract';
import type { ErrorInfo } from '../../../contract/errors';
import type { AccountSummary, ProviderId } from '../../../contract/models/app';
import { providerNames } from '../../../contract/models/app';
import { AppError } from '../../http/errors';
import { CliPartialFailure, type CliSession } from '../context';
import { exitCodeForAll } from '../exit-codes';
import { withJson, type CliCommand } from '../kit';
import { table } from '../text';

/** What a sync reads per provider: what the window shows first, kept as offline data. */
const syncCalls: Record<ProviderId, { channel: Channel; args?: Record<string, unknown> }[]> = {
  spatialflow: [{ channel: 'spatialflow.getSubscription' }, { channel: 'spatialflow.listPaymentMethods' }, { channel: 'spatialflow.listInvoices', args: { limit: 10 } }],
  agilicus: [{ channel: 'agilicus.listBillingAccounts' }],
  soracom: [{ channel: 'soracom.getLatestBilling' }, { channel: 'soracom.getBillingHistory' }],
};

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

/** `billfold sync [--account ID]`: reads each account's data from its provider, as the window does. */
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
        for (const call of syncCalls[account.provider]) {
          const answer = await session.services.router.handle(call.channel, { accountId: account.id, ...call.args });
          if (!answer.ok) {
            outcome.ok = false;
            outcome.error = answer.error;
            break;
          }
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
