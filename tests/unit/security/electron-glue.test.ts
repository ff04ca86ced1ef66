// The Electron glue (main/electron/*) run for real against a recording stand-in for the `electron`
// module: what Electronegativity cannot see in the bundle is proven here by behaviour. Every
// window's webPreferences, the app:// scheme and its CSP header, the permission, navigation,
// redirect, webview and new-window handlers, and the sender check on every IPC channel.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { argSchemas } from '../../../contract';
import { dropChannel, invokeChannelPrefix } from '../../../preload/ipc-names';
import { appEntryUrl, appScheme } from '../../../main/security/app-origin';
import { contentSecurityPolicy } from '../../../main/security/csp';
import { secureWebPreferences } from '../../../main/security/web-preferences';

type Listener = (...args: unknown[]) => unknown;
type IpcHandler = (event: unknown, ...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  /** Stands in for any Electron API the glue may use that these tests do not look at. */
  function anything(): unknown {
    const target = function () {} as unknown as object;
    return new Proxy(target, {
      get: (_t, prop) => (prop === 'then' ? undefined : anything()),
      apply: () => anything(),
      construct: () => anything() as object,
    });
  }
  /** Known members are real; any other member is an inert stand-in. */
  function lenient<T extends object>(known: T): T {
    return new Proxy(known, {
      get: (target, prop, receiver) => (prop in target ? Reflect.get(target, prop, receiver) : prop === 'then' ? undefined : anything()),
      has: () => true,
    });
  }

  const order: string[] = [];
  const appListeners = new Map<string, Listener[]>();
  const ipcHandlers = new Map<string, IpcHandler>();
  const ipcListeners = new Map<string, Listener>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const privilegedSchemes: unknown[] = [];
  const windows: { options: Record<string, unknown>; urls: string[] }[] = [];
  const session = {
    permissionRequestHandler: undefined as undefined | Listener,
    permissionCheckHandler: undefined as undefined | Listener,
    devicePermissionHandler: undefined as undefined | Listener,
    listeners: new Map<string, Listener[]>(),
  };
  const state = { userData: '', routerCalls: [] as unknown[][], dropCalls: [] as unknown[], menus: [] as unknown[] };

  const defaultSession = lenient({
    setPermissionRequestHandler(handler: Listener) {
      order.push('permission-request-handler');
      session.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: Listener) {
      order.push('permission-check-handler');
      session.permissionCheckHandler = handler;
    },
    setDevicePermissionHandler(handler: Listener) {
      order.push('device-permission-handler');
      session.devicePermissionHandler = handler;
    },
    on(event: string, listener: Listener) {
      order.push(`session ${event}`);
      session.listeners.set(event, [...(session.listeners.get(event) ?? []), listener]);
      return defaultSession;
    },
  });

  class FakeBrowserWindow {
    static getAllWindows() {
      return [];
    }
    readonly record: { options: Record<string, unknown>; urls: string[] };
    constructor(options: Record<string, unknown>) {
      order.push('window');
      this.record = { options, urls: [] };
      windows.push(this.record);
      return lenient(this);
    }
    loadURL(url: string) {
      this.record.urls.push(url);
      return Promise.resolve();
    }
    loadFile(file: string) {
      this.record.urls.push(`file:${file}`);
      return Promise.resolve();
    }
  }

  const electron = lenient({
    app: lenient({
      on(event: string, listener: Listener) {
        appListeners.set(event, [...(appListeners.get(event) ?? []), listener]);
        if (event === 'web-contents-created') order.push('web-contents-created');
      },
      whenReady: () => Promise.resolve(),
      requestSingleInstanceLock: () => true,
      getPath: (name: string) => `${state.userData}/${name}`,
      getVersion: () => '0.0.0-test',
      // A release build: packaged, and its package.json carries no test-build mark.
      isPackaged: true,
      getAppPath: () => state.userData,
      quit: () => undefined,
    }),
    BrowserWindow: FakeBrowserWindow,
    Menu: lenient({
      buildFromTemplate: (template: unknown) => ({ template }),
      setApplicationMenu(menu: unknown) {
        state.menus.push(menu);
      },
    }),
    ipcMain: lenient({
      handle(channel: string, handler: IpcHandler) {
        order.push('ipc');
        ipcHandlers.set(channel, handler);
      },
      on(channel: string, listener: Listener) {
        ipcListeners.set(channel, listener);
      },
    }),
    protocol: lenient({
      registerSchemesAsPrivileged(schemes: unknown[]) {
        privilegedSchemes.push(...schemes);
      },
      handle(scheme: string, handler: (request: Request) => Promise<Response>) {
        protocolHandlers.set(scheme, handler);
      },
    }),
    screen: lenient({ getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] }),
    session: lenient({ defaultSession }),
    shell: lenient({ openExternal: () => Promise.resolve() }),
  });

  const services = lenient({
    router: {
      handle: (...args: unknown[]) => {
        state.routerCalls.push(args);
        return Promise.resolve({ ok: true, value: 'routed' });
      },
    },
    dropped: {
      receive: (message: unknown) => {
        state.dropCalls.push(message);
        return Promise.resolve({ ok: true, value: 'dropped' });
      },
    },
    close: () => Promise.resolve(),
  });

  return { electron, services, order, appListeners, ipcHandlers, ipcListeners, protocolHandlers, privilegedSchemes, windows, session, state };
});

vi.mock('electron', () => fake.electron);
// The services behind the router are tested elsewhere; here only the glue around them matters.
vi.mock('../../../main/compose', () => ({ createMainServices: () => fake.services }));

let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-glue-'));
  fake.state.userData = path.join(tmp, 'user-data');
  await import('../../../main/electron/main');
  await vi.waitFor(() => expect(fake.windows.length).toBeGreaterThan(0), { timeout: 10_000 });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('windows', () => {
  it('creates every window with the secure webPreferences and the bundled sandboxed preload', () => {
    for (const { options } of fake.windows) {
      const prefs = options['webPreferences'] as { preload: string };
      expect(prefs.preload).toMatch(/[\\/]preload[\\/]index\.cjs$/);
      expect(prefs).toEqual(secureWebPreferences(prefs.preload));
    }
  });

  it('loads only the app:// entry page, never a file:// or remote URL', () => {
    expect(fake.windows.flatMap((w) => w.urls)).toEqual([appEntryUrl]);
  });

  it('installs the session guards before the first window exists', () => {
    const firstWindow = fake.order.indexOf('window');
    for (const step of ['permission-request-handler', 'permission-check-handler', 'device-permission-handler', 'session will-download', 'web-contents-created']) {
      expect(fake.order.indexOf(step)).toBeGreaterThanOrEqual(0);
      expect(fake.order.indexOf(step)).toBeLessThan(firstWindow);
    }
  });
});

describe('the app:// scheme', () => {
  it('is registered standard and secure, without bypassing CSP or enabling service workers', () => {
    const app = fake.privilegedSchemes.find((s) => (s as { scheme: string }).scheme === appScheme) as { privileges: Record<string, boolean> };
    expect(app.privileges).toMatchObject({ standard: true, secure: true });
    expect(app.privileges['bypassCSP']).not.toBe(true);
    expect(app.privileges['allowServiceWorkers']).not.toBe(true);
    expect(app.privileges['corsEnabled']).not.toBe(true);
  });

  it('serves renderer files with the CSP and nosniff headers, and nothing outside the renderer folder', async () => {
    const { registerAppProtocol } = await import('../../../main/electron/protocol');
    const rendererRoot = path.join(tmp, 'renderer');
    await fs.mkdir(path.join(rendererRoot, 'assets'), { recursive: true });
    await fs.writeFile(path.join(rendererRoot, 'index.html'), '<!doctype html><title>t</title>');
    await fs.writeFile(path.join(rendererRoot, 'assets/app.js'), 'export {};');
    await fs.writeFile(path.join(tmp, 'secret.txt'), 'not for the renderer');
    registerAppProtocol(rendererRoot);
    const handle = fake.protocolHandlers.get(appScheme)!;

    for (const url of ['app://billfold/index.html', 'app://billfold/', 'app://billfold/assets/app.js']) {
      const response = await handle(new Request(url));
      expect(response.status, url).toBe(200);
      expect(response.headers.get('Content-Security-Policy'), url).toBe(contentSecurityPolicy);
      expect(response.headers.get('X-Content-Type-Options'), url).toBe('nosniff');
    }
    expect((await handle(new Request('app://billfold/index.html'))).headers.get('Content-Type')).toMatch(/^text\/html/);
    for (const url of ['app://billfold/..%2Fsecret.txt', 'app://billfold/%2e%2e/secret.txt', 'app://elsewhere/index.html', 'app://billfold/missing.js']) {
      const response = await handle(new Request(url));
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('not for the renderer');
    }
  });
});

describe('session guards', () => {
  it('denies every permission request and permission check', async () => {
    const request = fake.session.permissionRequestHandler!;
    const check = fake.session.permissionCheckHandler!;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'openExternal', 'pointerLock', 'midiSysex', 'hid', 'serial', 'usb']) {
      const granted = await new Promise<boolean>((resolve) => {
        request({}, permission, resolve, {});
      });
      expect(granted, permission).toBe(false);
      expect(check({}, permission, 'app://billfold', {}), permission).toBe(false);
    }
  });

  it('grants no device (HID, serial, USB) either', () => {
    for (const deviceType of ['hid', 'serial', 'usb']) {
      expect(fake.session.devicePermissionHandler!({ deviceType, origin: 'app://billfold', device: {} }), deviceType).toBe(false);
    }
  });

  it('cancels every download a page starts, so no Save dialog opens with a name and contents the page chose', () => {
    const listeners = fake.session.listeners.get('will-download') ?? [];
    expect(listeners.length).toBeGreaterThan(0);
    const preventDefault = vi.fn();
    const item = { getFilename: () => 'statement.pdf.exe', getURL: () => 'blob:app://billfold/0f1e' };
    for (const listener of listeners) listener({ preventDefault }, item, {}, null);
    expect(preventDefault).toHaveBeenCalled();
  });

  it('blocks navigation, redirects, webviews and new windows in every web contents', () => {
    const listeners = new Map<string, Listener>();
    let openHandler: Listener | undefined;
    const contents = {
      on(event: string, listener: Listener) {
        listeners.set(event, listener);
        return contents;
      },
      setWindowOpenHandler(handler: Listener) {
        openHandler = handler;
      },
    };
    const created = fake.appListeners.get('web-contents-created') ?? [];
    expect(created.length).toBeGreaterThan(0);
    for (const listener of created) listener({}, contents);

    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const preventDefault = vi.fn();
      expect(listeners.get(event), event).toBeTypeOf('function');
      listeners.get(event)!({ preventDefault }, 'https://evil.example/', {});
      expect(preventDefault, event).toHaveBeenCalled();
    }
    for (const url of ['https://evil.example/', 'app://billfold/index.html', 'https://users.soracom.io/', 'file:///etc/passwd']) {
      expect(openHandler!({ url, frameName: '', features: '', disposition: 'new-window' }), url).toEqual({ action: 'deny' });
    }
  });
});

describe('IPC', () => {
  const untrusted = [
    { senderFrame: { url: 'https://evil.example/' } },
    { senderFrame: { url: 'file:///home/user/invoice.html' } },
    { senderFrame: { url: 'app://elsewhere/index.html' } },
    { senderFrame: { url: 'devtools://devtools/bundled/inspector.html' } },
    { senderFrame: null },
    {},
  ];

  it('registers one invoke handler per contract channel, the drop channel, and no other IPC listener', () => {
    expect([...fake.ipcHandlers.keys()].sort()).toEqual([...Object.keys(argSchemas).map((c) => invokeChannelPrefix + c), dropChannel].sort());
    expect([...fake.ipcListeners.keys()]).toEqual([]);
  });

  it('refuses calls from any frame that is not Billfold’s own page, without reaching the router', async () => {
    for (const [channel, handler] of fake.ipcHandlers) {
      for (const event of untrusted) {
        const reply = (await handler(event, {})) as { ok: boolean; error?: { code: string } };
        expect(reply, `${channel} from ${JSON.stringify(event)}`).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
      }
    }
    expect(fake.state.routerCalls).toEqual([]);
    expect(fake.state.dropCalls).toEqual([]);
  });

  it('hands dropped files from app://billfold to the drop store, never to the router', async () => {
    const message = { files: [{ name: 'bill.csv', path: '/home/me/bill.csv' }] };
    expect(await fake.ipcHandlers.get(dropChannel)!({ senderFrame: { url: appEntryUrl } }, message)).toEqual({ ok: true, value: 'dropped' });
    expect(fake.state.dropCalls).toEqual([message]);
    fake.state.dropCalls.length = 0;
  });

  it('sets an application menu without developer tools in a release build, with Edit and Window roles', () => {
    expect(fake.state.menus).toHaveLength(1);
    const text = JSON.stringify(fake.state.menus[0]);
    for (const role of ['toggleDevTools', 'reload', 'forceReload']) expect(text).not.toContain(`"${role}"`);
    for (const role of ['copy', 'paste', 'cut', 'selectAll', 'undo', 'windowMenu', 'minimize']) expect(text).toContain(`"${role}"`);
  });

  it('passes calls from app://billfold to the router, channel name without the prefix', async () => {
    const [channel, handler] = [...fake.ipcHandlers][0]!;
    const args = { probe: true };
    expect(await handler({ senderFrame: { url: appEntryUrl } }, args)).toEqual({ ok: true, value: 'routed' });
    expect(fake.state.routerCalls).toEqual([[channel.slice(invokeChannelPrefix.length), args]]);
  });
});
