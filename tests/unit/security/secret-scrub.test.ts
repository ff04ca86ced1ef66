// No credential or session value of an account crosses to the window, even when a provider echoes
// it in its error text, and values the window has no use for (a setup intent's client secret, an
// export's pre-signed URL) stay in the main process. Real services over the demo sandboxes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { memorySecretStore } from '../../../main/accounts/keychain';
import { secretValuesOf, scrubErrorInfo } from '../../../main/security/scrub';
import { mainServices } from '../files/helpers';

type Services = Awaited<ReturnType<typeof mainServices>>;
let s: Services;
let secrets: ReturnType<typeof memorySecretStore>;

beforeAll(async () => {
  s = await mainServices();
  secrets = s.secrets;
}, 60_000);
afterAll(() => s.close());

/** Every credential and session value the keychain holds for the demo accounts now (they change as sessions renew). */
function keychainValues(): string[] {
  return [...secretValuesOf([...secrets.entries.values()])].filter((v) => v.length >= 8);
}

it('takes the sign-in method for a label, not a secret', () => {
  expect([...secretValuesOf({ kind: 'password', password: 'hunter2-long' })]).toEqual(['hunter2-long']);
});

function expectNoSecret(payload: unknown) {
  const text = JSON.stringify(payload);
  for (const value of keychainValues()) expect(text.includes(value), `leaks ${value.slice(0, 4)}…`).toBe(false);
}

const reads = [
  ['spatialflow', 'spatialflow.getSubscription'],
  ['agilicus', 'agilicus.listBillingAccounts'],
  ['soracom', 'soracom.getLatestBilling'],
] as const;

describe('errors that cross to the window', () => {
  it.each(reads)('%s: a 401 that echoes the credentials and token reaches the window without them', async (provider, channel) => {
    const servers = await s.demo.servers();
    // Sign in first, so the account has a session token too.
    await s.services.router.handle(channel, { accountId: s.ids[provider] });
    servers[provider].setFaults([{ kind: 'status', status: 401, method: 'GET', echoCredentials: true }]);
    try {
      const reply = await s.services.router.handle(channel, { accountId: s.ids[provider] });
      expect(reply.ok).toBe(false);
      // The provider did echo them: the answer it sent holds a secret of the account.
      const echoed = JSON.stringify(servers[provider].exchanges.at(-1)?.responseBody);
      expect(keychainValues().some((v) => echoed.includes(v))).toBe(true);
      expectNoSecret(reply);
      expect(JSON.stringify(reply)).toContain('[hidden]');
      // The sync state kept on disk and sent as an event holds none either.
      expectNoSecret(s.events);
      expectNoSecret(await fs.readFile(`${s.platform.userDataDir}/accounts.json`, 'utf8').catch(() => ''));
      // Nor does the connection test.
      expectNoSecret(await s.services.router.handle('accounts.testConnection', { id: s.ids[provider] }));
    } finally {
      servers[provider].clearFaults();
    }
  });

  it.each(['soracom', 'spatialflow', 'agilicus'] as const)(
    '%s: a new account tested before it is added, answered with a 401 that echoes what it received, reaches the window without the credentials typed in or the tokens its sign-in got',
    async (provider) => {
      const servers = await s.demo.servers();
      const endpoints = await s.demo.ensure();
      // Agilicus takes a pasted token: one of the user's own, held by no account yet.
      const credentials = provider === 'agilicus' ? { kind: 'token', accessToken: `own-${randomBytes(16).toString('hex')}` } : endpoints[provider].credentials;
      const name = `Own ${provider}`;
      servers[provider].exchanges.length = 0;
      // The sign-in (a POST) works; the first read answers 401 with the request's headers in its text.
      servers[provider].setFaults([{ kind: 'status', status: 401, method: 'GET', echoCredentials: true }]);
      try {
        const reply = await s.services.router.handle('accounts.add', { account: { provider, name, baseUrl: endpoints[provider].apiUrl, credentials }, testFirst: true });
        expect(reply.ok).toBe(false);
        const refused = servers[provider].exchanges.filter((e) => e.status === 401);
        const sent = refused.flatMap((e) =>
          [e.requestHeaders['authorization']?.replace(/^Bearer /, ''), e.requestHeaders['x-soracom-api-key'], e.requestHeaders['x-soracom-token']].filter((v): v is string => typeof v === 'string'),
        );
        expect(sent.length).toBeGreaterThan(0);
        // The provider did echo them.
        for (const value of sent) expect(JSON.stringify(refused.map((e) => e.responseBody))).toContain(value);
        const text = JSON.stringify(reply);
        for (const value of [...sent, ...[...secretValuesOf(credentials)].filter((v) => v.length >= 8)]) {
          expect(text.includes(value), `leaks ${value.slice(0, 4)}…`).toBe(false);
        }
        expect(text).toContain('[hidden]');
        const list = await s.call<{ accounts: { name: string }[] }>('accounts.list', {});
        expect(list.accounts.map((a) => a.name)).not.toContain(name);
      } finally {
        servers[provider].clearFaults();
      }
    },
  );

  it('removes every spelling of a secret from the message, the provider code and message, and the issues', () => {
    const values = secretValuesOf({ kind: 'authKey', authKeyId: 'keyId-AAAA', authKeySecret: 'secret/with space', session: '{"token":"tok-ZZZZ"}' });
    const info = scrubErrorInfo(
      { code: 'auth_failed', message: 'bad keyId-AAAA', providerCode: 'E_tok-ZZZZ', providerMessage: 'got secret%2Fwith%20space and tok-ZZZZ', issues: [{ path: 'x', message: 'secret/with space' }] },
      values,
    );
    expect(info).toEqual({ code: 'auth_failed', message: 'bad [hidden]', providerCode: 'E_[hidden]', providerMessage: 'got [hidden] and [hidden]', issues: [{ path: 'x', message: '[hidden]' }] });
  });
});

describe('values the window has no use for', () => {
  it('a setup intent answers its id, never its client secret', async () => {
    const reply = await s.services.router.handle('spatialflow.createSetupIntent', { accountId: s.ids.spatialflow });
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.value).toEqual({ intentId: expect.stringMatching(/^seti_[A-Za-z0-9]+$/) });
    const secret = JSON.stringify(s.demo && (await s.demo.servers()).spatialflow.exchanges.at(-1)?.responseBody);
    expect(secret).toContain('_secret_');
    expect(JSON.stringify(reply)).not.toContain('_secret_');
  });

  it('a Soracom export answers its id and size, never the pre-signed download URL', async () => {
    const reply = await s.services.router.handle('soracom.exportLatestBilling', { accountId: s.ids.soracom });
    if (!reply.ok) throw new Error(reply.error.message);
    expect(Object.keys(reply.value as object).sort()).toEqual(['byteLength', 'exportedFileId', 'rows']);
    expect(JSON.stringify(reply)).not.toMatch(/https?:\/\//);
  }, 60_000);
});
