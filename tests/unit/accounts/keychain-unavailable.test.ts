import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { providerConnectors } from '../../../main/accounts/connectors';
import { keytarSecretStore } from '../../../main/accounts/keychain';
import { createRegistry } from '../../../main/accounts/registry';
import { createAccountService } from '../../../main/accounts/service';
import { createDemoSandboxes } from '../../../main/demo';
import { AppError } from '../../../main/http/errors';

// Each test file runs in its own process, so this one can have no session bus at all.
process.env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=/nonexistent/billfold-test-bus';

describe('no keychain reachable', () => {
  it('says so with its cause, refuses to add accounts, and writes nothing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-nokeychain-'));
    const accounts = createAccountService({
      registry: createRegistry(dir),
      secrets: keytarSecretStore(`Billfold-test-${process.pid}`),
      connectors: providerConnectors,
    });
    const list = await accounts.list();
    expect(list.keychain.available).toBe(false);
    expect(list.keychain.reason).toMatch(/No keychain service is running/);

    const attempt = accounts.add({
      provider: 'agilicus',
      name: 'Corp',
      baseUrl: 'https://api.agilicus.com',
      credentials: { kind: 'token', accessToken: 'eyJ-not-saved' },
    });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: 'keychain_unavailable', message: expect.stringMatching(/only in your keychain/) });
    expect((await accounts.list()).accounts).toEqual([]);
    const files = await fs.readdir(dir);
    for (const file of files) expect(await fs.readFile(path.join(dir, file), 'utf8')).not.toContain('eyJ-not-saved');
  });
});

describe('demo accounts without a keychain', () => {
  const demo = createDemoSandboxes();
  afterAll(() => demo.close());

  it('start and reach their sandboxes, again after a restart, while an account of one’s own is still refused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-nokeychain-demo-'));
    const open = () => createAccountService({ registry: createRegistry(dir), secrets: keytarSecretStore(`Billfold-test-${process.pid}`), connectors: providerConnectors, demo });
    const accounts = open();
    const added = await accounts.startDemo();
    expect(added.map((a) => [a.provider, a.demo]).sort()).toEqual([['agilicus', true], ['soracom', true], ['spatialflow', true]]);
    for (const account of added) expect(await accounts.testConnection(account.id)).toMatch(/^Connected to/);
    // Errors are still cleaned of the demo credentials, though they live in memory.
    const endpoints = await demo.ensure();
    expect([...(await accounts.secretValues())]).toContain(endpoints.agilicus.credentials.accessToken);

    // The next start has nothing in memory: the demo accounts take their sandboxes' credentials again.
    const restarted = open();
    expect((await restarted.list()).keychain.available).toBe(false);
    for (const account of added) expect(await restarted.testConnection(account.id)).toMatch(/^Connected to/);
    await expect(restarted.update({ id: added[0]!.id, baseUrl: 'https://api.example.com' })).rejects.toMatchObject({ code: 'not_allowed' });
    await expect(
      restarted.add({ provider: 'soracom', name: 'Fleet', baseUrl: endpoints.soracom.apiUrl, credentials: endpoints.soracom.credentials }),
    ).rejects.toMatchObject({ code: 'keychain_unavailable', message: expect.stringMatching(/only in your keychain/) });
    await restarted.remove(added[0]!.id);
    expect((await restarted.list()).accounts).toHaveLength(2);
    for (const file of await fs.readdir(dir)) {
      const text = await fs.readFile(path.join(dir, file), 'utf8').catch(() => '');
      expect(text).not.toContain(endpoints.agilicus.credentials.accessToken);
    }

    // Started again, the demo brings back the one removed; the two still there keep their ids.
    const again = await restarted.startDemo();
    expect(again.map((a) => a.provider).sort()).toEqual(['agilicus', 'soracom', 'spatialflow']);
    expect(again.filter((a) => added.slice(1).some((b) => b.id === a.id))).toHaveLength(2);
    const back = again.find((a) => a.provider === added[0]!.provider)!;
    expect(back.id).not.toBe(added[0]!.id);
    expect(await restarted.testConnection(back.id)).toMatch(/^Connected to/);
    expect((await restarted.list()).accounts).toHaveLength(3);
  });
});
