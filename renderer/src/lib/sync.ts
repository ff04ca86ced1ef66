import type { AccountSummary } from '../../../contract/models/app';
import { call } from './billing';
import { backgroundRetryInterval } from './clock';

/** The account's last provider call failed (and nothing has worked since). */
export function syncFailed(a: AccountSummary): boolean {
  return a.sync.lastError !== undefined && (!a.sync.lastSuccessAt || a.sync.lastError.at > a.sync.lastSuccessAt);
}

/** Failures that go away by themselves when the provider answers again; credentials problems need the user. */
const passingFailures = new Set(['network', 'timeout', 'server', 'rate_limited', 'invalid_response']);

/**
 * Asks every account whose sync failed for a reason that passes (network, server) again, in the
 * background, so the sidebar clears "Sync failed" once the provider answers, without the account
 * being opened. Returns the function that stops it.
 */
export function recheckFailedAccounts(accounts: () => AccountSummary[]): () => void {
  const checking = new Set<string>();
  const timer = setInterval(() => {
    for (const a of accounts()) {
      if (!syncFailed(a) || !passingFailures.has(a.sync.lastError?.code ?? '') || checking.has(a.id)) continue;
      checking.add(a.id);
      // The main process records the outcome and sends `account.sync`; the answer itself is not needed here.
      void call('accounts.testConnection', { id: a.id })
        .catch(() => undefined)
        .finally(() => checking.delete(a.id));
    }
  }, backgroundRetryInterval());
  return () => clearInterval(timer);
}
