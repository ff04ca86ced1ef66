// Source-level guards for the Electron security rules, over every file of main/, preload/ and
// renderer/: they catch a new window, IPC handler or Electron option added later that the
// behaviour tests (electron-glue.test.ts) do not reach. Complements tests/unit/foundation/electron-guards.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createAppHandlers } from '../../../main/services/app';
import type { Platform } from '../../../main/platform';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sources(...dirs: string[]): { file: string; text: string }[] {
  return dirs.flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|svelte|html)$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => ({ file: path.join(dir, f), text: fs.readFileSync(path.join(root, dir, f), 'utf8') })),
  );
}

/** The text between the parenthesis at `open` and its match, skipping strings and comments. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      for (i += 1; i < text.length && text[i] !== c; i += 1) if (text[i] === '\\') i += 1;
    } else if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i) + 1;
    } else if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced parentheses after offset ${open}`);
}

function calls(files: { file: string; text: string }[], callee: RegExp): { file: string; args: string }[] {
  const found: { file: string; args: string }[] = [];
  for (const { file, text } of files) {
    for (const match of text.matchAll(new RegExp(`${callee.source}\\s*\\(`, 'g'))) {
      found.push({ file, args: argumentsAt(text, match.index + match[0].length - 1) });
    }
  }
  return found;
}

const mainSources = sources('main');
const electronGlue = mainSources.filter((s) => s.file.startsWith(path.join('main', 'electron')));
const allSources = [...mainSources, ...sources('preload', 'renderer')];

describe('windows', () => {
  it('every BrowserWindow, BrowserView and WebContentsView is created with secureWebPreferences()', () => {
    const created = calls(mainSources, /new\s+(BrowserWindow|BrowserView|WebContentsView)/);
    expect(created.length).toBeGreaterThan(0);
    for (const { file, args } of created) {
      expect(args, file).toMatch(/\bwebPreferences:\s*secureWebPreferences\(/);
    }
  });

  it('webPreferences are never written by hand, and no file turns a protection off', () => {
    const forbidden: [RegExp, string][] = [
      [/webPreferences:(?!\s*secureWebPreferences\()/, 'webPreferences not from secureWebPreferences()'],
      [/nodeIntegration(InWorker|InSubFrames)?\s*:\s*true/, 'Node.js integration'],
      [/contextIsolation\s*:\s*false/, 'context isolation off'],
      [/sandbox\s*:\s*false/, 'sandbox off'],
      [/webSecurity\s*:\s*false/, 'web security off'],
      [/allowRunningInsecureContent\s*:\s*true/, 'insecure content'],
      [/experimentalFeatures\s*:\s*true/, 'experimental features'],
      [/enableBlinkFeatures/, 'Blink features'],
      [/webviewTag\s*:\s*true|<webview\b|allowpopups/, 'webview'],
      [/enableRemoteModule|@electron\/remote/, 'the remote module'],
      [/bypassCSP\s*:\s*true/, 'a scheme that bypasses the CSP'],
      [/setCertificateVerifyProc|['"]certificate-error['"]/, 'certificate overrides'],
      [/ignore-certificate-errors|disable-web-security|allow-running-insecure-content|no-sandbox|remote-debugging/, 'weakening command-line switches'],
      [/ELECTRON_DISABLE_SECURITY_WARNINGS/, 'silenced security warnings'],
      [/registerFileProtocol|\.loadFile\(|loadURL\(\s*['"`](file|https?):/, 'file:// or remote pages'],
    ];
    for (const { file, text } of allSources) {
      for (const [pattern, what] of forbidden) {
        if (file === path.join('main', 'security', 'web-preferences.ts') && what.startsWith('webPreferences')) continue;
        expect(pattern.test(text), `${file}: ${what}`).toBe(false);
      }
    }
  });
});

describe('IPC', () => {
  it('every ipcMain listener checks the sender frame with isTrustedSenderUrl before anything else', () => {
    const listeners = calls(electronGlue, /ipcMain\.(handle|handleOnce|on|once|addListener|prependListener)/);
    expect(listeners.length).toBeGreaterThan(0);
    for (const { file, args } of listeners) {
      const body = args.slice(args.indexOf('=>') + 2).trimStart().replace(/^\{\s*/, '');
      expect(body, file).toMatch(/^if \(!isTrustedSenderUrl\(\w+\.senderFrame\?\.url\)\)/);
    }
    for (const { file, text } of mainSources) {
      expect(/webContents\.on\(\s*['"]ipc-message/.test(text), `${file}: raw ipc-message listener`).toBe(false);
    }
  });

  it('the preload exposes only window.billing and never ipcRenderer itself', () => {
    const preload = sources('preload');
    const exposed = calls(preload, /contextBridge\.exposeInMainWorld/);
    expect(exposed.map((c) => c.args.split(',')[0]!.trim())).toEqual(["'billing'"]);
    for (const { file, text } of preload) {
      expect(/exposeInMainWorld\([^)]*ipcRenderer/.test(text), file).toBe(false);
      expect(/ipcRenderer\.(send|sendSync|sendTo|sendToHost|postMessage)\(/.test(text), `${file}: only invoke and events`).toBe(false);
      for (const { args } of calls([{ file, text }], /ipcRenderer\.(invoke|on|off)/)) {
        expect(args, file).toMatch(/^\s*(invokeChannelPrefix \+|eventChannel\b|dropChannel\b)/);
      }
    }
  });
});

describe('external links', () => {
  it('shell.openExternal, openPath and showItemInFolder are called only by the platform adapter in the Electron glue', () => {
    const opened = calls(allSources, /shell\.(openExternal|openPath|showItemInFolder)/);
    expect(opened.length).toBeGreaterThan(0);
    expect([...new Set(opened.map((c) => c.file))]).toEqual([path.join('main', 'electron', 'platform.ts')]);
    expect(electronGlue.map((s) => s.text).join('\n')).toMatch(/openExternal: \(url\) => shell\.openExternal\(url\)/);
  });

  it('the platform openExternal is reached only through the allowlist', async () => {
    const platformCalls = calls(mainSources, /platform\.openExternal/);
    expect(platformCalls.map((c) => c.file)).toEqual([path.join('main', 'services', 'app.ts')]);

    const openExternal = vi.fn((_url: string) => Promise.resolve());
    const platform = { shell: 'electron', version: '0', userDataDir: '/nowhere', documentsDir: '/nowhere', openExternal } satisfies Partial<Platform> as unknown as Platform;
    const handlers = createAppHandlers(platform);
    const ctx = {} as Parameters<(typeof handlers)['app.openExternal']>[1];
    for (const url of ['http://soracom.io/', 'https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@soracom.io/', 'https://soracom.io.evil.example/']) {
      await expect(handlers['app.openExternal']({ url }, ctx), url).rejects.toMatchObject({ code: 'not_allowed' });
    }
    expect(openExternal).not.toHaveBeenCalled();
    await expect(handlers['app.openExternal']({ url: 'https://users.soracom.io/ja-jp/docs/' }, ctx)).resolves.toEqual({ opened: true });
    expect(openExternal).toHaveBeenCalledWith('https://users.soracom.io/ja-jp/docs/');
  });
});
