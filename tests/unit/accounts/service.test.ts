import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { providerConnectors } from '../../../main/accounts/connectors';
import { keytarSecretStore, memorySecretStore, type SecretStore } from '../../../main/accounts/keychain';
import { createRegistry } from '../../../main/accounts/registry';
import { createAccountService } from '../../../main/accounts/service';
import { createDemoSandboxes } from '../../../main/demo';
import { startAgilicusSandbox } from '../../../main/sandbox/agilicus';

const demo = createDemoSandboxes();
afterAll(() => demo.close());

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-accounts-'));
});

function service(secrets: SecretStore = memorySecretStore()) {
  return createAccountService({ registry: createRegistry(dir), secrets, connectors: providerConnectors, demo });
}

describe('account service', () => {
  it('adds an account, keeps its secret only in the keychain, and reaches the provider with it', async () => {
    const sandbox = await startAgilicusSandbox();
    try {
      const secrets = memorySecretStore();
      const accounts = service(secrets);
      const added = await accounts.add({ provider: 'agilicus', name: 'Corp', baseUrl: sandbox.apiUrl, credentials: sandbox.credentials }, { testFirst: true });
      expect(added).toMatchObject({ name: 'Corp', provider: 'agilicus', credentialKind: 'token', demo: false });
      expect((await accounts.list()).activeAccountId).toBe(added.id);
      expect(secrets.entries.get(`${added.id}/credentials`)).toContain(sandbox.credentials.accessToken);
      const registryText = await fs.readFile(path.join(dir, 'accounts.json'), 'utf8');
      expect(registryText).not.toContain(sandbox.credentials.accessToken);
      expect(await accounts.testConnection(added.id)).toMatch(/^Connected to Agilicus/);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses to add an account whose connection test fails, and stores nothing', async () => {
    const sandbox = await startAgilicusSandbox();
    try {
      const secrets = memorySecretStore();
      const accounts = service(secrets);
      const attempt = accounts.add(
        { provider: 'agilicus', name: 'Corp', baseUrl: sandbox.apiUrl, credentials: { kind: 'token', accessToken: 'not-a-real-token' } },
        { testFirst: true },
      );
      await expect(attempt).rejects.toMatchObject({ code: 'auth_failed' });
      expect(secrets.entries.size).toBe(0);
      expect((await accounts.list()).accounts).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('edits, switches and removes accounts; removing deletes the keychain entries', async () => {
    const secrets = memorySecretStore();
    const accounts = service(secrets);
    const a = await accounts.add({ provider: 'spatialflow', name: 'Maps', baseUrl: 'https://api.spatialflow.io', credentials: { kind: 'token', accessToken: 'tok-a' } });
    const b = await accounts.add({
      provider: 'soracom',
      name: 'Fleet',
      baseUrl: 'https://g.api.soracom.io/v1',
      credentials: { kind: 'authKey', authKeyId: 'keyId-abc', authKey: 'secret-b' },
    });
    await accounts.setActive(b.id);
    expect((await accounts.list()).activeAccountId).toBe(b.id);

    const renamed = await accounts.update({ id: a.id, name: 'Maps (EU)', credentials: { kind: 'password', email: 'ops@example.com', password: 'pw' } });
    expect(renamed).toMatchObject({ name: 'Maps (EU)', credentialKind: 'password' });
    await expect(accounts.update({ id: a.id, credentials: { kind: 'authKey', authKeyId: 'keyId-x', authKey: 'y' } })).rejects.toMatchObject({ code: 'invalid_args' });

    await accounts.remove(b.id);
    const after = await accounts.list();
    expect(after.accounts.map((x) => x.id)).toEqual([a.id]);
    expect(after.activeAccountId).toBe(a.id);
    expect([...secrets.entries.keys()].filter((k) => k.startsWith(b.id))).toEqual([]);
    await expect(accounts.setActive(b.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('says clearly when the keychain lost an account’s credentials', async () => {
    const secrets = memorySecretStore();
    const accounts = service(secrets);
    const a = await accounts.add({ provider: 'agilicus', name: 'Corp', baseUrl: 'https://api.agilicus.com', credentials: { kind: 'token', accessToken: 't' } });
    secrets.entries.clear();
    await expect(accounts.client('agilicus', a.id)).rejects.toMatchObject({ code: 'auth_failed', message: expect.stringMatching(/no credentials for “Corp”/) });
    secrets.entries.set(`${a.id}/credentials`, '{not json');
    await expect(accounts.client('agilicus', a.id)).rejects.toMatchObject({ code: 'auth_failed', message: expect.stringMatching(/unreadable/) });
  });

  it('adds one demo account per provider, once, each reaching its sandbox', async () => {
    const accounts = service();
    const added = await accounts.startDemo();
    expect(added.map((a) => a.provider).sort()).toEqual(['agilicus', 'soracom', 'spatialflow']);
    expect(added.every((a) => a.demo)).toBe(true);
    expect((await accounts.startDemo()).map((a) => a.id).sort()).toEqual(added.map((a) => a.id).sort());
    for (const account of added) {
      expect(await accounts.testConnection(account.id)).toMatch(/^Connected to/);
    }
  });

  it.runIf(process.env['BILLFOLD_IN_KEYCHAIN_SESSION'] === '1')('works end to end with the real keychain', async () => {
    const secrets = keytarSecretStore(`Billfold-test-${process.pid}`);
    const accounts = service(secrets);
    // A demo account's made-up sandbox credentials stay in memory: an account of one's own goes to the keychain.
    const endpoint = (await demo.ensure()).soracom;
    const soracom = await accounts.add({ provider: 'soracom', name: 'Fleet', baseUrl: endpoint.apiUrl, credentials: endpoint.credentials });
    expect(await accounts.testConnection(soracom.id)).toMatch(/^Connected to Soracom/);
    expect(await secrets.get(`${soracom.id}/credentials`)).toBeDefined();
    // The provider session (API key and token) went to the keychain too.
    expect(await secrets.get(`${soracom.id}/session`)).toBeDefined();
    await accounts.remove(soracom.id);
    expect(await secrets.get(`${soracom.id}/credentials`)).toBeUndefined();
    expect(await secrets.get(`${soracom.id}/session`)).toBeUndefined();
  });
});

describe('account names', () => {
  const token = (accessToken: string) => ({ kind: 'token' as const, accessToken });
  const taken = (name: string) => {
    const message = `Another account is already called ${name}; give this one a name you can tell apart.`;
    return { code: 'invalid_args', message, issues: [{ path: 'name', message }] };
  };

  it('refuses a name another account has, in any case, when adding or renaming, and stores nothing', async () => {
    const secrets = memorySecretStore();
    const accounts = service(secrets);
    const fleet = await accounts.add({ provider: 'soracom', name: 'Fleet', baseUrl: 'https://api.soracom.io/v1', credentials: { kind: 'authKey', authKeyId: 'keyId-a', authKey: 'secret-a' } });
    // Whatever the provider: the name is all the window shows of an account in most places.
    await expect(accounts.add({ provider: 'agilicus', name: 'FLEET', baseUrl: 'https://api.agilicus.com', credentials: token('t') })).rejects.toMatchObject(taken('Fleet'));
    expect((await accounts.list()).accounts.map((a) => a.name)).toEqual(['Fleet']);
    expect([...secrets.entries.keys()]).toEqual([`${fleet.id}/credentials`]);

    const corp = await accounts.add({ provider: 'agilicus', name: 'Corp network', baseUrl: 'https://api.agilicus.com', credentials: token('t') });
    await expect(accounts.update({ id: corp.id, name: 'fleet' })).rejects.toMatchObject(taken('Fleet'));
    expect((await accounts.list()).accounts.map((a) => a.name)).toEqual(['Fleet', 'Corp network']);
    // An account may change the case of its own name.
    expect((await accounts.update({ id: corp.id, name: 'Corp Network' })).name).toBe('Corp Network');
  });

  it('still loads a list that already has two accounts of the same name, and each can be edited without renaming it', async () => {
    const registry = createRegistry(dir);
    const soracom = { provider: 'soracom' as const, baseUrl: 'https://api.soracom.io/v1', credentialKind: 'authKey' as const, demo: false, sync: {} };
    await registry.update((data) => {
      data.accounts.push({ ...soracom, id: 'acc_1', name: 'Fleet' }, { ...soracom, id: 'acc_2', name: 'Fleet' });
      return { data, result: undefined };
    });
    const accounts = service();
    expect((await accounts.list()).accounts.map((a) => [a.id, a.name])).toEqual([['acc_1', 'Fleet'], ['acc_2', 'Fleet']]);
    const edited = await accounts.update({ id: 'acc_2', name: 'Fleet', credentials: { kind: 'authKey', authKeyId: 'keyId-b', authKey: 'secret-b' } });
    expect(edited).toMatchObject({ id: 'acc_2', name: 'Fleet' });
    expect((await accounts.update({ id: 'acc_2', name: 'Fleet backup' })).name).toBe('Fleet backup');
  });
});

describe('changing an account’s API address', () => {
  it('needs the credentials again, so stored secrets never follow the account to another origin', async () => {
    const secrets = memorySecretStore();
    const accounts = service(secrets);
    const a = await accounts.add({ provider: 'agilicus', name: 'Corp', baseUrl: 'https://api.agilicus.com', credentials: { kind: 'token', accessToken: 'stored-token' } });
    secrets.entries.set(`${a.id}/session`, '{"accessToken":"issued-token"}');

    await expect(accounts.update({ id: a.id, baseUrl: 'https://evil.example' })).rejects.toMatchObject({ code: 'invalid_args', issues: [{ path: 'credentials' }] });
    expect((await accounts.list()).accounts[0]?.baseUrl).toBe('https://api.agilicus.com');
    expect(secrets.entries.get(`${a.id}/session`)).toBe('{"accessToken":"issued-token"}');

    // The same origin with another path keeps them; a new origin with new credentials drops the old session.
    await accounts.update({ id: a.id, baseUrl: 'https://api.agilicus.com/' });
    await accounts.update({ id: a.id, baseUrl: 'https://eu.api.agilicus.com', credentials: { kind: 'token', accessToken: 'new-token' } });
    expect(secrets.entries.get(`${a.id}/credentials`)).toContain('new-token');
    expect(secrets.entries.has(`${a.id}/session`)).toBe(false);
  });
});
