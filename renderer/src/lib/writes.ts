import { providerNames } from '../../../contract/models/app';
import { accountsState } from './accounts.svelte';
import { syncFailed } from './sync';

/** Failures that mean the provider could not be reached at all (as opposed to answering with an error). */
const offlineCodes = new Set(['network', 'timeout']);

/** The id of the account pane's line that says why changes are off, for `aria-describedby`. */
export const writesOffId = 'writes-off-reason';

/**
 * Why buttons that change an account at its provider (a plan, a card, an organisation, a usage
 * record, an export) are off right now, or undefined when they are on. They are off while the
 * account's last provider call could not reach the provider and nothing has worked since; the
 * sync state clears by itself when the provider answers again (a view's retry or the background
 * re-check), and the buttons come back with it. Reactive: read it inside `$derived`.
 */
export function writesOff(accountId: string): string | undefined {
  const account = accountsState.accounts.find((a) => a.id === accountId);
  const failure = account?.sync.lastError;
  if (!account || !failure || !syncFailed(account) || !offlineCodes.has(failure.code)) return undefined;
  return `Changes are off: ${providerNames[account.provider]} cannot be reached. They come back when it answers again.`;
}
