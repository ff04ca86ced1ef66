import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { providerConnectors } from '../../../main/accounts/connectors';
import { keytarSecretStore } from '../../../main/accounts/keychain';
import { createRegistry } from '../../../main/accounts/registry';
import { createAccountService } from '../../../main/accounts/service';
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
