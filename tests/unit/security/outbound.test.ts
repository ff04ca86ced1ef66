// Outbound links and the sender check: the link opened is the normalized URL that was checked,
// never the raw string the page sent, and only Billfold's own page (no userinfo, no port) may call.
import { describe, expect, it, vi } from 'vitest';
import type { Platform } from '../../../main/platform';
import { isTrustedSenderUrl } from '../../../main/security/app-origin';
import { externalUrlToOpen } from '../../../main/security/external-links';
import { createAppHandlers } from '../../../main/services/app';

const ctx = { events: { emit: () => undefined } };

function handlers() {
  const openExternal = vi.fn((_url: string) => Promise.resolve());
  const platform = { shell: 'electron', version: '0', userDataDir: '/nowhere', documentsDir: '/nowhere', openExternal } satisfies Partial<Platform> as unknown as Platform;
  return { h: createAppHandlers(platform), openExternal };
}

/** Hostile or odd links, and what is opened for each (undefined: refused, nothing opened). */
const table: [string, string | undefined][] = [
  ['https://users.soracom.io/ja-jp/docs/', 'https://users.soracom.io/ja-jp/docs/'],
  // Normalized: scheme and host lower-cased, dot segments folded, the default port dropped.
  ['HTTPS://Users.SORACOM.io/a/../docs/', 'https://users.soracom.io/docs/'],
  ['https://soracom.io:443/x', 'https://soracom.io/x'],
  ['https://docs.agilicus.com/x?q=a b'.replace(' ', '%20'), 'https://docs.agilicus.com/x?q=a%20b'],
  // Backslashes: WHATWG reads them as slashes, other parsers as part of the userinfo or path.
  ['https://soracom.io\\@evil.example/', undefined],
  ['https:\\\\soracom.io\\x', undefined],
  // Userinfo, in every spelling.
  ['https://user:pw@soracom.io/', undefined],
  ['https://user@soracom.io/', undefined],
  ['https://soracom.io@evil.example/', undefined],
  ['https://evil.example#@soracom.io/', undefined],
  // Newlines, tabs, NUL and spaces, which the URL parser strips or keeps where others split.
  ['https://soracom.io/\nhttps://evil.example/', undefined],
  ['https://soracom.io/\r\nSet-Cookie: x', undefined],
  ['https://sora\tcom.io/', undefined],
  ['https://soracom.io/\u0000', undefined],
  [' https://soracom.io/', undefined],
  ['https://soracom.io/ ', undefined],
  ['\u00a0https://soracom.io/', undefined],
  ['\ufeffhttps://soracom.io/', undefined],
  ['https://soracom.io/\u2028', undefined],
  // Other schemes, ports, hosts.
  ['http://soracom.io/', undefined],
  ['javascript:alert(1)', undefined],
  ['JAVASCRIPT:alert(1)//https://soracom.io/', undefined],
  ['file:///etc/passwd', undefined],
  ['data:text/html,<script>alert(1)</script>', undefined],
  ['ms-settings:', undefined],
  ['mailto:someone@soracom.io', undefined],
  ['ftp://soracom.io/', undefined],
  ['//soracom.io/', undefined],
  ['https://soracom.io:8443/', undefined],
  ['https://soracom.io.evil.example/', undefined],
  ['https://evil-soracom.io/', undefined],
  ['https://xn--soracom-9ya.io/', undefined],
  ['not a url', undefined],
  ['', undefined],
];

describe('app.openExternal', () => {
  it.each(table)('%j opens %j', async (raw, opened) => {
    expect(externalUrlToOpen(raw)).toBe(opened);
    const { h, openExternal } = handlers();
    if (opened === undefined) {
      await expect(h['app.openExternal']({ url: raw }, ctx)).rejects.toMatchObject({ code: 'not_allowed' });
      expect(openExternal).not.toHaveBeenCalled();
    } else {
      await expect(h['app.openExternal']({ url: raw }, ctx)).resolves.toEqual({ opened: true });
      expect(openExternal.mock.calls).toEqual([[opened]]);
    }
  });
});

describe('the trusted-sender check', () => {
  it('trusts app://billfold pages only, without userinfo or port', () => {
    for (const url of ['app://billfold/index.html', 'app://billfold/', 'app://billfold/index.html#x']) expect(isTrustedSenderUrl(url), url).toBe(true);
    for (const url of [
      'app://user@billfold/',
      'app://user:pw@billfold/index.html',
      'app://:pw@billfold/',
      'app://billfold:1/',
      'app://billfold:443/index.html',
      'app://billfold.evil/',
      'app://evil/index.html',
      'https://billfold/',
      'file:///index.html',
      'devtools://devtools',
      'not a url',
      '',
      undefined,
    ]) {
      expect(isTrustedSenderUrl(url), String(url)).toBe(false);
    }
  });
});

describe('plain http downloads', () => {
  it('reach loopback only for an account whose own API address is on loopback', async () => {
    const { createHttpClient } = await import('../../../main/http/client');
    const { startFileHost } = await import('../../../main/sandbox/kit');
    const host = await startFileHost();
    try {
      const url = host.put('/bill.csv', { body: 'a,b\n1,2\n', contentType: 'text/csv' });
      const options = { provider: 'Testprov', parseError: () => ({}), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };
      // A real provider (https, not loopback) handing out an http link to this computer: refused before any request.
      const remote = createHttpClient({ ...options, baseUrl: 'https://api.soracom.io/v1' });
      await expect(remote.download(url)).rejects.toMatchObject({ code: 'validation', message: expect.stringMatching(/plain http/) });
      expect(host.requests).toEqual([]);
      // The sandboxes themselves (loopback API) download over http as before.
      const sandbox = createHttpClient({ ...options, baseUrl: 'http://127.0.0.1:9/v1' });
      expect(new TextDecoder().decode((await sandbox.download(url)).bytes)).toBe('a,b\n1,2\n');
      expect(host.requests).toHaveLength(1);
    } finally {
      await host.close();
    }
  });
});
