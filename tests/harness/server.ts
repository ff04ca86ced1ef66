/**
 * The web bridge: runs the same services and router as the Electron main process, serves the
 * built renderer on 127.0.0.1, and carries the channels over HTTP and the events over
 * server-sent events, behind a random per-run token. Playwright drives Chromium against it;
 * `npm run web` starts it for trying the UI in a browser.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { EventMessage } from '../../contract/events';
import { createMainServices } from '../../main/compose';
import { createDemoSandboxes } from '../../main/demo';
import { acquireInstanceLock } from '../../main/fs/instance-lock';
import { AppError } from '../../main/http/errors';
import type { ProviderId } from '../../contract/models/app';
import type { Fault } from '../../main/sandbox/kit';
import { contentSecurityPolicy } from '../../main/security/csp';
import { mimeTypeFor } from '../../main/security/app-origin';
import { desktopCapabilities } from '../../main/platform';

interface HarnessOptions {
  /** `npm run web`: the app as a browser gets it (files uploaded and downloaded, no OS dialogs), kept in a per-user folder. */
  web: boolean;
  /** Started by the end-to-end tests: the /__harness/ endpoints that steer the run exist only then. */
  test: boolean;
  demo: boolean;
  /** Appends every reply and event sent to the page to this file, one JSON line each (leak tests read it). */
  record: string | undefined;
  port: number;
  distDir: string;
  userDataDir: string;
  documentsDir: string;
  /** Wait before the first background sync; an hour unless `--sync-first-run-ms` says otherwise (20 s with `--web`, as in the app). */
  syncFirstRunMs: number;
}

const maxBodyBytes = 1024 * 1024;
/** Dropped files the harness stores for the page (see /__harness/upload). */
const maxUploadBytes = 512 * 1024 * 1024;
/** How long the address `library.download` answers stays good (the page follows it at once). */
const downloadTicketMs = 60_000;

/**
 * Where `npm run web` keeps its accounts, settings and saved files between runs: a folder of its
 * own beside the desktop app's, per user (`--user-data DIR` chooses another).
 */
function defaultWebUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env['APPDATA'] || path.join(home, 'AppData', 'Roaming'), 'Billfold (web)');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Billfold (web)');
  return path.join(env['XDG_DATA_HOME'] || path.join(home, '.local', 'share'), 'billfold-web');
}

function parseOptions(argv: string[]): HarnessOptions {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const distDir = path.resolve(value('--dist') ?? path.join(__dirname, '..'));
  const web = argv.includes('--web');
  const test = argv.includes('--test');
  // The tests get a throw-away folder unless they name one; `npm run web` keeps its data.
  const userDataDir = path.resolve(value('--user-data') ?? (web && !test ? defaultWebUserDataDir() : path.join(os.tmpdir(), `billfold-harness-${process.pid}`)));
  return {
    web,
    test,
    demo: argv.includes('--demo'),
    record: value('--record'),
    port: Number(value('--port') ?? 0),
    distDir,
    userDataDir,
    documentsDir: path.resolve(value('--documents') ?? path.join(userDataDir, 'Documents')),
    syncFirstRunMs: Number(value('--sync-first-run-ms') ?? (argv.includes('--web') ? 20_000 : 3_600_000)),
  };
}

/** The app's version, from the package.json beside the dist folder. */
async function readVersion(distDir: string): Promise<string> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(distDir, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A channel name as the bridge sends it: dotted words of letters and digits. Anything else is a malformed request. */
const channelName = /^(?=.{3,100}$)[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;

/** The JSON body of a test endpoint; undefined when it is not a JSON object. */
async function readJsonObject(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const raw = await readBody(req);
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(body);
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  await fs.mkdir(opts.userDataDir, { recursive: true });
  await fs.mkdir(opts.documentsDir, { recursive: true });
  // One process per user-data folder: a second one would lose the first one's account changes.
  try {
    await acquireInstanceLock(opts.userDataDir, opts.web && !opts.test ? 'Billfold in the browser (npm run web)' : 'the test harness');
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`${JSON.stringify({ error: error.toInfo() })}\n${error.message}\n`);
    process.exit(3);
  }
  const token = randomBytes(24).toString('base64url');
  const rendererDir = path.join(opts.distDir, 'renderer');
  const bridgeFile = path.join(opts.distDir, 'harness-bridge', 'bridge.js');
  const eventClients = new Set<http.ServerResponse>();
  const openedUrls: string[] = [];
  /** What the OS would have done: opened paths, revealed paths, and the next answers of file dialogs. */
  const shellLog: { action: 'openPath' | 'showItemInFolder' | 'trashItem'; path: string; trashedTo?: string }[] = [];
  const dialogAnswers: { file: (string | null)[]; folder: (string | null)[] } = { file: [], folder: [] };
  /** Desktop notifications the app would have shown. */
  const notifications: { title: string; body: string }[] = [];
  /** Saved files handed to the page as downloads: one-time ticket → file (see `library.download`). */
  const downloadTickets = new Map<string, { path: string; fileName: string; expires: number }>();
  const demo = createDemoSandboxes();
  const record = (payload: string) => {
    if (opts.record) void fs.appendFile(opts.record, `${payload}\n`);
  };

  const services = createMainServices({
    platform: {
      shell: 'web',
      version: await readVersion(opts.distDir),
      userDataDir: opts.userDataDir,
      documentsDir: opts.documentsDir,
      // Without --web the harness stands in for the desktop (its dialogs answered by the tests);
      // with it, the page is in a browser, which uploads and downloads files instead.
      capabilities: opts.web ? { fileDialogs: false, openFiles: false } : desktopCapabilities,
      ...(opts.web
        ? {
            offerDownload: (file: { path: string; fileName: string }) => {
              const now = Date.now();
              for (const [key, ticket] of downloadTickets) if (ticket.expires < now) downloadTickets.delete(key);
              const ticket = randomBytes(24).toString('base64url');
              downloadTickets.set(ticket, { ...file, expires: now + downloadTicketMs });
              return Promise.resolve(`/__harness/download/${ticket}`);
            },
          }
        : {}),
      openExternal: (url) => {
        openedUrls.push(url);
        return Promise.resolve();
      },
      openPath: (file) => {
        shellLog.push({ action: 'openPath', path: file });
        return Promise.resolve();
      },
      showItemInFolder: (file) => {
        shellLog.push({ action: 'showItemInFolder', path: file });
        return Promise.resolve();
      },
      // The system trash, played by a folder of the harness's own: the shell log says where each file went.
      trashItem: async (file) => {
        const dir = path.join(opts.userDataDir, 'harness-trash', randomBytes(6).toString('hex'));
        await fs.mkdir(dir, { recursive: true });
        const trashedTo = path.join(dir, path.basename(file));
        await fs.rename(file, trashedTo);
        shellLog.push({ action: 'trashItem', path: file, trashedTo });
      },
      chooseFile: () => Promise.resolve(dialogAnswers.file.shift() ?? undefined),
      chooseFolder: () => Promise.resolve(dialogAnswers.folder.shift() ?? undefined),
      notify: (n) => {
        notifications.push({ title: n.title, body: n.body });
      },
    },
    backgroundSync: { firstRunDelayMs: opts.syncFirstRunMs },
    emit: (message: EventMessage) => {
      const payload = JSON.stringify(message);
      record(payload);
      for (const client of eventClients) client.write(`data: ${payload}\n\n`);
    },
    log: (line) => process.stderr.write(`${line}\n`),
    demo,
  });
  if (opts.demo) await services.accounts.startDemo();

  const server = http.createServer((req, res) => {
    void (async () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      // A page on another origin (or a rebinding DNS name) must not reach the channels.
      if (req.headers.host !== `127.0.0.1:${port}`) return send(res, 421, 'Wrong host', 'text/plain');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

      if (url.pathname.startsWith('/rpc/')) {
        if (req.method !== 'POST') return send(res, 405, 'POST only', 'text/plain');
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        let channel: string;
        try {
          channel = decodeURIComponent(url.pathname.slice('/rpc/'.length));
        } catch {
          return send(res, 400, 'Malformed channel name', 'text/plain');
        }
        if (!channelName.test(channel)) return send(res, 400, 'Malformed channel name', 'text/plain');
        const raw = await readBody(req);
        let args: unknown;
        if (raw !== undefined && raw !== '') {
          try {
            args = JSON.parse(raw);
          } catch {
            return send(res, 400, 'The body is not JSON', 'text/plain');
          }
        }
        const envelope =
          raw === undefined
            ? { ok: false, error: { code: 'invalid_args', message: 'The request body is too large.' } }
            : await services.router.handle(channel, args);
        const payload = JSON.stringify(envelope);
        record(payload);
        return send(res, 200, payload, 'application/json');
      }

      if (url.pathname === '/events') {
        if (!tokenMatches(token, url.searchParams.get('token'))) return send(res, 403, 'Bad token', 'text/plain');
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(': connected\n\n');
        eventClients.add(res);
        req.on('close', () => eventClients.delete(res));
        return;
      }

      // The endpoints that steer a run (dialog answers, faults, what the OS was asked) exist only for
      // the tests; `npm run web` has the app's own channels and the upload that stands in for a drop.
      const download = /^\/__harness\/download\/([A-Za-z0-9_-]{32})$/.exec(url.pathname);
      if (url.pathname.startsWith('/__harness/') && url.pathname !== '/__harness/upload' && !download && !opts.test) return send(res, 404, 'Not found', 'text/plain');

      // A saved file the page asked for through `library.download`: the ticket (unguessable, used
      // once, a minute long) stands for the token, and names a file only the main side chose.
      if (download && req.method === 'GET') {
        const ticket = downloadTickets.get(download[1] ?? '');
        downloadTickets.delete(download[1] ?? '');
        if (!ticket || ticket.expires < Date.now()) return send(res, 404, 'This download has expired. Ask for it again.', 'text/plain');
        let size: number;
        try {
          size = (await fs.stat(ticket.path)).size;
        } catch {
          return send(res, 404, 'The file is no longer in its folder.', 'text/plain');
        }
        const ascii = ticket.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(size),
          'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(ticket.fileName)}`,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        });
        createReadStream(ticket.path).on('error', () => res.destroy()).pipe(res);
        return;
      }

      if (url.pathname === '/__harness/opened-urls') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        return send(res, 200, JSON.stringify(openedUrls), 'application/json');
      }

      // Lets end-to-end tests type a sandbox's address and credentials into the account form.
      if (url.pathname === '/__harness/sandboxes') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        return send(res, 200, JSON.stringify(await demo.ensure()), 'application/json');
      }

      // The desktop notifications the app would have shown, oldest first.
      if (url.pathname === '/__harness/notifications') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        return send(res, 200, JSON.stringify(notifications), 'application/json');
      }

      // What the page asked the OS to open or reveal.
      if (url.pathname === '/__harness/shell-log') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        return send(res, 200, JSON.stringify(shellLog), 'application/json');
      }

      // Queues the answer of the next file or folder dialog: { kind: 'file' | 'folder', path: string | null } (null = cancel).
      if (url.pathname === '/__harness/dialog' && req.method === 'POST') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        const body = await readJsonObject(req);
        if (!body || (body['kind'] !== 'file' && body['kind'] !== 'folder') || (body['path'] !== null && typeof body['path'] !== 'string')) return send(res, 400, 'Expected { kind, path }', 'text/plain');
        dialogAnswers[body['kind']].push(body['path']);
        return send(res, 200, '{"ok":true}', 'application/json');
      }

      // Takes the demo sandboxes off the network and back, on the same ports: { reachable: boolean }.
      if (url.pathname === '/__harness/sandboxes/reachable' && req.method === 'POST') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        const body = await readJsonObject(req);
        if (!body || typeof body['reachable'] !== 'boolean') return send(res, 400, 'Expected { reachable }', 'text/plain');
        await demo.setReachable(body['reachable']);
        return send(res, 200, '{"ok":true}', 'application/json');
      }

      // The browser stand-in for the preload's drop channel: the bridge posts a dropped file's bytes,
      // the harness keeps them in a temporary folder and answers the same envelope of ids as Electron.
      if (url.pathname === '/__harness/upload' && req.method === 'POST') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        const name = path.basename(url.searchParams.get('name') ?? 'dropped').replace(/[^\w.\- ]/g, '_').slice(0, 120) || 'dropped';
        const dir = path.join(opts.userDataDir, 'harness-drops', randomBytes(8).toString('hex'));
        await fs.mkdir(dir, { recursive: true });
        const file = path.join(dir, name);
        const handle = await fs.open(file, 'wx');
        let size = 0;
        try {
          for await (const chunk of req) {
            size += (chunk as Buffer).length;
            if (size > maxUploadBytes) break;
            await handle.write(chunk as Buffer);
          }
        } finally {
          await handle.close();
        }
        if (size > maxUploadBytes) {
          await fs.rm(dir, { recursive: true, force: true });
          return send(res, 413, 'Too large', 'text/plain');
        }
        const payload = JSON.stringify(await services.dropped.receive({ files: [{ name, path: file }] }));
        record(payload);
        return send(res, 200, payload, 'application/json');
      }

      // Lets end-to-end tests inject faults into a demo sandbox: { provider, faults: Fault[] }.
      if (url.pathname === '/__harness/faults' && req.method === 'POST') {
        if (!tokenMatches(token, req.headers['x-billfold-token'] as string | undefined)) return send(res, 403, 'Bad token', 'text/plain');
        const body = await readJsonObject(req);
        const servers = await demo.servers();
        const provider = body?.['provider'];
        if (typeof provider !== 'string' || !Object.hasOwn(servers, provider) || !Array.isArray(body?.['faults'])) return send(res, 400, 'Expected { provider, faults }', 'text/plain');
        servers[provider as ProviderId].setFaults(body['faults'] as Fault[]);
        return send(res, 200, '{"ok":true}', 'application/json');
      }

      if (opts.web && url.pathname === '/__bridge.js') {
        return send(res, 200, await fs.readFile(bridgeFile), 'text/javascript; charset=utf-8');
      }

      let relative: string;
      try {
        relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
      } catch {
        return send(res, 400, 'Malformed path', 'text/plain');
      }
      const file = path.resolve(rendererDir, relative);
      if (!file.startsWith(rendererDir + path.sep)) return send(res, 404, 'Not found', 'text/plain');
      try {
        let body = await fs.readFile(file);
        if (opts.web && relative === 'index.html') {
          body = Buffer.from(body.toString('utf8').replace('<head>', '<head>\n    <script src="/__bridge.js"></script>'));
        }
        return send(res, 200, body, mimeTypeFor(file), { 'Content-Security-Policy': contentSecurityPolicy });
      } catch {
        return send(res, 404, 'Not found', 'text/plain');
      }
    })().catch((error: unknown) => {
      process.stderr.write(`[harness] ${String(error)}\n`);
      if (!res.headersSent) send(res, 500, 'Harness error', 'text/plain');
    });
  });

  // The page keeps its connection open between calls; on a slow machine a call can come just as an
  // idle connection is closed (Node's default is 5 s), and the page sees "Failed to fetch".
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  server.listen(opts.port, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const url = `http://127.0.0.1:${port}`;
    process.stdout.write(`${JSON.stringify({ url, token, userDataDir: opts.userDataDir, documentsDir: opts.documentsDir })}\n`);
    if (opts.web) {
      process.stdout.write(
        `\nBillfold is running in your browser at:\n  ${url}/#token=${token}\n\n` +
          `Its data (accounts, settings, saved files) is kept in:\n  ${opts.userDataDir}\n(another folder: npm run web -- --user-data DIR)\n\nPress Ctrl+C to stop.\n`,
      );
    }
  });

  const stop = () => {
    for (const client of eventClients) client.end();
    server.close(() => void services.close().finally(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
