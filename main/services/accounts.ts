import type { AccountService } from '../accounts/service';
import type { HandlerTable } from '../router/types';

export function createAccountHandlers(
  accounts: AccountService,
): HandlerTable<'accounts.list' | 'accounts.add' | 'accounts.update' | 'accounts.remove' | 'accounts.setActive' | 'accounts.testConnection' | 'demo.start'> {
  return {
    'accounts.list': () => accounts.list(),
    'accounts.add': ({ account, testFirst }) => accounts.add(account, testFirst === undefined ? {} : { testFirst }),
    'accounts.update': ({ id, name, baseUrl, credentials }) =>
      accounts.update({
        id,
        ...(name === undefined ? {} : { name }),
        ...(baseUrl === undefined ? {} : { baseUrl }),
        ...(credentials === undefined ? {} : { credentials }),
      }),
    'accounts.remove': async ({ id, deleteFiles }) => {
      await accounts.remove(id, { deleteFiles: deleteFiles === true });
      return { removed: true };
    },
    'accounts.setActive': async ({ id }) => ({ activeAccountId: await accounts.setActive(id) }),
    'accounts.testConnection': async ({ id }) => ({ ok: true, message: await accounts.testConnection(id) }),
    'demo.start': async () => ({ accounts: await accounts.startDemo() }),
  };
}
