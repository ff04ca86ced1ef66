import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../main/accounts/registry';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-registry-partial-'));
});

const account = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  name,
  provider: 'soracom',
  baseUrl: 'https://api.soracom.io/v1',
  credentialKind: 'authKey',
  demo: false,
  sync: {},
  ...extra,
});
const clock = () => new Date('2026-11-28T09:00:00Z');
const asideName = 'accounts.set-aside-2026-11-28T09-00-00-000Z.json';

describe('an account list Billfold can only partly read', () => {
  it('keeps every readable account of a list with one unknown provider and one malformed account, and sets the file aside', async () => {
    const original = JSON.stringify({
      version: 2,
      accounts: [
        account('a1', 'Tokyo fleet'),
        account('a2', 'New provider', { provider: 'hyperscaler' }),
        { id: 'a3', name: 42 },
        account('a4', 'Osaka fleet'),
      ],
      activeAccountId: 'a4',
    });
    await fs.writeFile(path.join(dir, 'accounts.json'), original);
    const registry = createRegistry(dir, clock);

    const data = await registry.read();
    expect(data.accounts.map((a) => a.name)).toEqual(['Tokyo fleet', 'Osaka fleet']);
    expect(data.activeAccountId).toBe('a4');
    expect(registry.notices()).toEqual([
      `2 accounts in the account list could not be read (“New provider”, number 3) and were set aside; the other 2 accounts are here. The file as it was is kept as ${asideName} in ${dir}.`,
    ]);
    expect(await fs.readFile(path.join(dir, asideName), 'utf8')).toBe(original);

    // A change writes the readable accounts; the set-aside file stays as it was.
    await registry.update((d) => ({ data: { ...d, activeAccountId: 'a1' }, result: undefined }));
    expect((await createRegistry(dir).read()).accounts.map((a) => a.id)).toEqual(['a1', 'a4']);
    expect(await fs.readFile(path.join(dir, asideName), 'utf8')).toBe(original);
  });

  it('reads a list written by a newer Billfold, keeping every account it can read and the file as it was', async () => {
    const original = JSON.stringify({
      version: 3,
      accounts: [account('a1', 'Tokyo fleet', { colour: 'teal' }), account('a2', 'Billing cloud', { provider: 'stripe', credentialKind: 'oauth' })],
      workspaces: [{ id: 'w1' }],
    });
    await fs.writeFile(path.join(dir, 'accounts.json'), original);
    const registry = createRegistry(dir, clock);

    expect((await registry.read()).accounts.map((a) => a.name)).toEqual(['Tokyo fleet']);
    expect(registry.notices()).toEqual([
      `The account list was written by a newer version of Billfold (file version 3). This version shows the 1 account it can read. It could not read 1 of them (“Billing cloud”). The file as it was is kept as ${asideName} in ${dir}.`,
    ]);
    expect(await fs.readFile(path.join(dir, asideName), 'utf8')).toBe(original);
  });
});
