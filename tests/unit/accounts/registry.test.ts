import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import { createRegistry } from '../../../main/accounts/registry';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-registry-'));
});

function account(id: string, name = id): AccountSummary {
  return { id, name, provider: 'soracom', baseUrl: 'https://api.soracom.io/v1', credentialKind: 'authKey', demo: false, sync: {} };
}

const add = (a: AccountSummary) => (data: { accounts: AccountSummary[] }) => {
  data.accounts.push(a);
  return { data, result: a };
};

describe('account registry', () => {
  it('starts empty, writes a versioned file, and reads it back in a new process', async () => {
    const first = createRegistry(dir);
    expect(await first.read()).toEqual({ accounts: [] });
    await first.update(add(account('a1', 'Tokyo fleet')));
    const onDisk = JSON.parse(await fs.readFile(path.join(dir, 'accounts.json'), 'utf8'));
    expect(onDisk).toMatchObject({ version: 2, accounts: [{ id: 'a1', name: 'Tokyo fleet' }] });
    expect((await createRegistry(dir).read()).accounts.map((a) => a.name)).toEqual(['Tokyo fleet']);
  });

  it('moves a corrupt file aside, reports it, and does not lose it', async () => {
    const garbage = '{"version": 2, "accounts": [ {"id": "a1", "na';
    await fs.writeFile(path.join(dir, 'accounts.json'), garbage);
    const registry = createRegistry(dir, () => new Date('2026-11-21T10:00:00Z'));
    expect(await registry.read()).toEqual({ accounts: [] });
    expect(registry.notices()).toHaveLength(1);
    expect(registry.notices()[0]).toContain('accounts.corrupt-2026-11-21T10-00-00-000Z.json');
    expect(await fs.readFile(path.join(dir, 'accounts.corrupt-2026-11-21T10-00-00-000Z.json'), 'utf8')).toBe(garbage);
    await registry.update(add(account('b1')));
    expect((await createRegistry(dir).read()).accounts.map((a) => a.id)).toEqual(['b1']);
  });

  it('treats a file of the wrong shape as corrupt too', async () => {
    await fs.writeFile(path.join(dir, 'accounts.json'), JSON.stringify({ version: 2, accounts: [{ id: 'x' }] }));
    const registry = createRegistry(dir);
    expect((await registry.read()).accounts).toEqual([]);
    expect(registry.notices()[0]).toMatch(/could not be read/);
  });

  it('migrates version 1 files', async () => {
    await fs.writeFile(
      path.join(dir, 'accounts.json'),
      JSON.stringify({
        version: 1,
        accounts: [
          { id: 'old1', label: 'Fleet', provider: 'soracom', url: 'https://g.api.soracom.io/v1' },
          { id: 'old2', label: 'Maps', provider: 'spatialflow', url: 'https://api.spatialflow.io' },
        ],
        active: 'old2',
      }),
    );
    const registry = createRegistry(dir);
    expect(await registry.read()).toEqual({
      accounts: [
        { id: 'old1', name: 'Fleet', provider: 'soracom', baseUrl: 'https://g.api.soracom.io/v1', credentialKind: 'authKey', demo: false, sync: {} },
        { id: 'old2', name: 'Maps', provider: 'spatialflow', baseUrl: 'https://api.spatialflow.io', credentialKind: 'password', demo: false, sync: {} },
      ],
      activeAccountId: 'old2',
    });
    expect(registry.notices()).toEqual([]);
    await registry.update((data) => ({ data, result: undefined }));
    expect(JSON.parse(await fs.readFile(path.join(dir, 'accounts.json'), 'utf8')).version).toBe(2);
  });

  it('loses no update when many are made at once', async () => {
    const registry = createRegistry(dir);
    await Promise.all(Array.from({ length: 40 }, (_, i) => registry.update(add(account(`c${i}`)))));
    const ids = (await createRegistry(dir).read()).accounts.map((a) => a.id).sort();
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the old data when an update throws', async () => {
    const registry = createRegistry(dir);
    await registry.update(add(account('k1')));
    await expect(
      registry.update(() => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await registry.update(add(account('k2')));
    expect((await createRegistry(dir).read()).accounts.map((a) => a.id)).toEqual(['k1', 'k2']);
  });

  it('tries again after a read error instead of failing until restart', async () => {
    // A folder where the file should be: reading fails with EISDIR, as with a busy or locked file.
    await fs.mkdir(path.join(dir, 'accounts.json'));
    const registry = createRegistry(dir);
    await expect(registry.read()).rejects.toThrow();
    await fs.rmdir(path.join(dir, 'accounts.json'));
    await fs.writeFile(path.join(dir, 'accounts.json'), JSON.stringify({ version: 2, accounts: [account('r1')] }));
    expect((await registry.read()).accounts.map((a) => a.id)).toEqual(['r1']);
  });
});
