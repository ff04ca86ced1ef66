import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTrustedSenderUrl, resolveRendererAsset } from '../../../main/security/app-origin';
import { contentSecurityPolicy } from '../../../main/security/csp';
import { isAllowedExternalUrl } from '../../../main/security/external-links';
import { secureWebPreferences } from '../../../main/security/web-preferences';
import { fitToDisplays, loadWindowState, saveWindowState } from '../../../main/window-state';

describe('renderer protocol and sender checks', () => {
  const root = '/opt/billfold/renderer';
  it('maps app:// URLs into the renderer folder only', () => {
    expect(resolveRendererAsset(root, 'app://billfold/')).toBe(path.join(root, 'index.html'));
    expect(resolveRendererAsset(root, 'app://billfold/assets/index.js')).toBe(path.join(root, 'assets/index.js'));
    // The URL parser folds dot segments itself; encoded slashes are decoded afterwards and must not escape.
    expect(resolveRendererAsset(root, 'app://billfold/%2e%2e/%2e%2e/etc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolveRendererAsset(root, 'app://billfold/..%2F..%2Fetc%2Fpasswd')).toBeUndefined();
    expect(resolveRendererAsset(root, 'app://billfold/a%00.js')).toBeUndefined();
    expect(resolveRendererAsset(root, 'app://other/index.html')).toBeUndefined();
    expect(resolveRendererAsset(root, 'file:///etc/passwd')).toBeUndefined();
  });

  it('trusts only frames of the app origin', () => {
    expect(isTrustedSenderUrl('app://billfold/index.html')).toBe(true);
    for (const url of ['https://billfold/', 'app://evil/index.html', 'file:///index.html', 'devtools://devtools', '', undefined]) {
      expect(isTrustedSenderUrl(url)).toBe(false);
    }
  });

  it('creates windows isolated and sandboxed', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
  });

  it('has a CSP without eval, inline script or remote origins', () => {
    expect(contentSecurityPolicy).toMatch(/default-src 'none'/);
    expect(contentSecurityPolicy).not.toMatch(/unsafe-|https?:|\*/);
  });

  it('allowlists only https links to provider sites', () => {
    expect(isAllowedExternalUrl('https://users.soracom.io/ja-jp/docs/')).toBe(true);
    expect(isAllowedExternalUrl('https://users.soracom.io:8443/')).toBe(false);
    expect(isAllowedExternalUrl('http://soracom.io/')).toBe(false);
    expect(isAllowedExternalUrl('not a url')).toBe(false);
  });
});

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('restores a window that is still on screen', () => {
    const state = { bounds: { x: 100, y: 80, width: 1000, height: 700 }, maximized: true };
    expect(fitToDisplays(state, screen)).toEqual(state);
  });

  it('centres a window whose monitor is gone, and enforces a minimum size', () => {
    const lost = fitToDisplays({ bounds: { x: 4000, y: 100, width: 200, height: 100 }, maximized: false }, screen);
    expect(lost.bounds).toEqual({ x: 640, y: 300, width: 640, height: 480 });
  });

  it('saves and loads, and falls back to the default on a corrupt file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-ws-'));
    const state = { bounds: { x: 10, y: 20, width: 900, height: 600 }, maximized: false };
    await saveWindowState(dir, state);
    expect(await loadWindowState(dir)).toEqual(state);
    await fs.writeFile(path.join(dir, 'window-state.json'), '{"bounds": {"x": "nan"');
    expect((await loadWindowState(dir)).bounds.width).toBe(1200);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
