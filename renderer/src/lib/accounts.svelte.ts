import type { AccountList, AccountSummary } from '../../../contract/models/app';
import { call } from './billing';
import { syncFailed } from './sync';

export { syncFailed };

/** The account list as the whole UI sees it: one instance, refreshed after every change. */
class AccountsState {
  list = $state<AccountList | undefined>();
  activeId = $state<string | undefined>();

  get accounts(): AccountSummary[] {
    return this.list?.accounts ?? [];
  }

  get active(): AccountSummary | undefined {
    return this.accounts.find((a) => a.id === this.activeId);
  }

  async refresh(): Promise<void> {
    const list = await call('accounts.list', {});
    this.list = list;
    if (this.activeId === undefined || !list.accounts.some((a) => a.id === this.activeId)) this.activeId = list.activeAccountId;
  }

  /** Keeps the sidebar's sync state current as provider calls finish. */
  listen(): () => void {
    return window.billing.on('account.sync', ({ accountId, sync }) => {
      const account = this.list?.accounts.find((a) => a.id === accountId);
      if (account) account.sync = sync;
    });
  }

  async select(id: string): Promise<void> {
    this.activeId = id;
    await call('accounts.setActive', { id });
  }
}

export const accountsState = new AccountsState();
