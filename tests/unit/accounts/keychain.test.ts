import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeKeychainFailure, keytarSecretStore } from '../../../main/accounts/keychain';

// These run against the real Secret Service that scripts/with-keychain.sh starts for `npm test`;
// outside it they would write to the developer's own keychain, so they refuse to run there.
const inKeychainSession = process.env['BILLFOLD_IN_KEYCHAIN_SESSION'] === '1';
const service = `Billfold-test-${randomBytes(4).toString('hex')}`;

describe.runIf(inKeychainSession)('keychain through keytar (real gnome-keyring)', () => {
  const store = keytarSecretStore(service);

  it('reports itself available', async () => {
    expect(await store.status()).toEqual({ available: true });
  });

  it('stores, reads, updates and deletes a secret', async () => {
    expect(await store.get('acc_1/credentials')).toBeUndefined();
    await store.set('acc_1/credentials', '{"kind":"token","accessToken":"first"}');
    expect(await store.get('acc_1/credentials')).toBe('{"kind":"token","accessToken":"first"}');
    await store.set('acc_1/credentials', '{"kind":"token","accessToken":"second"}');
    expect(await store.get('acc_1/credentials')).toBe('{"kind":"token","accessToken":"second"}');
    await store.delete('acc_1/credentials');
    expect(await store.get('acc_1/credentials')).toBeUndefined();
    await expect(store.delete('acc_1/credentials')).resolves.toBeUndefined();
  });

  it('keeps secrets of different accounts apart, with unicode intact', async () => {
    await store.set('acc_a/credentials', 'pässwörd-東京');
    await store.set('acc_b/credentials', 'other');
    expect(await store.get('acc_a/credentials')).toBe('pässwörd-東京');
    expect(await store.get('acc_b/credentials')).toBe('other');
  });

  it('says why when no Secret Service can be reached, and never falls back', async () => {
    // A separate process with no session bus: the keychain is simply not there.
    const script = `
      const keytar = require('keytar');
      keytar.setPassword(${JSON.stringify(service)}, 'x', 'y').then(
        () => console.log(JSON.stringify({ ok: true })),
        (e) => console.log(JSON.stringify({ ok: false, message: e.message })),
      );`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    const outcome = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; message?: string };
    expect(outcome.ok).toBe(false);
    expect(describeKeychainFailure(new Error(outcome.message))).toMatch(/No keychain service is running/);
  });
});

describe('keychain failure messages', () => {
  it.each([
    ['The name org.freedesktop.secrets was not provided by any .service files', /No keychain service/],
    ['Cannot autolaunch D-Bus without X11 $DISPLAY', /No keychain service/],
    ['Collection is locked', /locked/],
    ['User canceled the operation', /denied/],
    ['something odd', /did not answer/],
  ])('%s', (message, expected) => {
    expect(describeKeychainFailure(new Error(message))).toMatch(expected);
  });
});
