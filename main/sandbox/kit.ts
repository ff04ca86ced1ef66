import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  /** Parsed JSON, undefined when empty. A body that is not JSON is answered with 400 by the kit. */
  body: unknown;
  rawBody: Buffer;
}

export interface SandboxResponse {
  status: number;
  json?: unknown;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. '/v1/bills/:yyyyMM'; ':name' matches one segment. */
  pattern: string;
  handler(req: SandboxRequest): SandboxResponse | Promise<SandboxResponse>;
}

export interface Fault {
  /**
   * 'reset' destroys the connection without answering (a network error for the client).
   * 'apply_then_reset' and 'apply_then_hang' carry out the request (a write happens) and then
   * drop the connection or never answer: the client cannot tell whether it happened.
   * 'patch' answers normally but sets `value` at the JSON pointer `pointer` of the body (one bad item in a list).
   */
  kind: 'latency' | 'status' | 'hang' | 'malformed_json' | 'truncated_body' | 'reset' | 'apply_then_reset' | 'apply_then_hang' | 'patch';
  latencyMs?: number;
  /** 429, 500, 503 ... */
  status?: number;
  retryAfterSeconds?: number;
  /** How many matching requests it applies to; default unlimited. */
  times?: number;
  /** For 'patch': where in the answer, as a JSON pointer (`/invoices/0/amount_due`), and what to put there. */
  pointer?: string;
  value?: unknown;
  /** With 'status': the JSON body to answer with instead of the sandbox's fault body. */
  body?: unknown;
  /** With 'status': extra response headers (`WWW-Authenticate` on a 401). */
  headers?: Record<string, string>;
  /** Applies when the request path starts with this; default all. */
  path?: string;
  method?: string;
  /**
   * With 'status': the fault body repeats what the request carried (its credential headers and
   * body) in every text field, like a provider that echoes the token in its 401 text.
   */
  echoCredentials?: boolean;
}

export interface Exchange {
  method: string;
  path: string;
  /** Raw query string without '?', '' when none. */
  query: string;
  requestHeaders: IncomingHttpHeaders;
  requestBody: unknown;
  /** 0 when a fault left the request unanswered ('hang', 'reset'). */
  status: number;
  /** Parsed JSON or undefined. */
  responseBody: unknown;
  /** The matched pattern. */
  route?: string;
  /** The fault that answered this request, when one did. */
  fault?: Fault['kind'];
}

export interface SandboxServer {
  /** http://127.0.0.1:PORT */
  url: string;
  setFaults(f: Fault[]): void;
  clearFaults(): void;
  exchanges: Exchange[];
  close(): Promise<void>;
  /** Stops listening (clients get "connection refused") but keeps all state; `resume` listens again on the same port. */
  suspend(): Promise<void>;
  resume(): Promise<void>;
}

export interface SandboxOptions {
  routes: Route[];
  notFound?: (req: SandboxRequest) => SandboxResponse;
  /** Default 0 = random. */
  port?: number;
  /** Body of a 'status' fault; default `{ code, message }`. */
  faultBody?: (status: number) => unknown;
  /**
   * Honour `Idempotency-Key` on writes as Stripe does: a key seen before (for the same
   * credentials) replays the first answer without running the request again, marked with
   * `Idempotent-Replayed: true`; the same key with other parameters is refused with 400.
   */
  idempotency?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Tracked {
  server: Server;
  sockets: Set<Socket>;
  url: string;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
): Promise<Tracked> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return { server, sockets, url: `http://127.0.0.1:${addr.port}` };
}

function closeTracked(t: Tracked): Promise<void> {
  return new Promise((resolve) => {
    t.server.close(() => resolve());
    for (const s of t.sockets) s.destroy();
    t.sockets.clear();
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] ?? '';
    const actual = s[i] ?? '';
    if (seg.startsWith(':')) {
      if (actual === '') return undefined;
      try {
        params[seg.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (seg !== actual) {
      return undefined;
    }
  }
  return params;
}

function tryParseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, r: SandboxResponse): unknown {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  let payload: Buffer | undefined;
  let recorded: unknown;
  if (r.json !== undefined) {
    const text = JSON.stringify(r.json);
    payload = Buffer.from(text);
    recorded = JSON.parse(text) as unknown;
    if (!hasType) headers['Content-Type'] = 'application/json';
  } else if (r.body !== undefined) {
    payload = typeof r.body === 'string' ? Buffer.from(r.body) : Buffer.from(r.body);
    if (typeof r.body === 'string') recorded = tryParseJson(r.body);
  }
  if (payload !== undefined && r.status !== 204 && r.status !== 304) {
    headers['Content-Length'] = String(payload.length);
    res.writeHead(r.status, headers);
    res.end(payload);
  } else {
    res.writeHead(r.status, headers);
    res.end();
  }
  return recorded;
}

/** Sets `value` at a JSON pointer (RFC 6901) inside `doc`; a pointer that leads nowhere changes nothing. */
function setAtPointer(doc: unknown, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  if (last === undefined) return;
  let at: unknown = doc;
  for (const k of keys) {
    if (typeof at !== 'object' || at === null) return;
    at = (at as Record<string, unknown>)[k];
  }
  if (typeof at === 'object' && at !== null) (at as Record<string, unknown>)[last] = value;
}

function faultMatches(f: Fault, method: string, path: string): boolean {
  if (f.times !== undefined && f.times <= 0) return false;
  if (f.method !== undefined && f.method.toUpperCase() !== method) return false;
  if (f.path !== undefined && !path.startsWith(f.path)) return false;
  return true;
}

/** A local fake of a provider API, bound to 127.0.0.1, with fault injection and a log of exchanges. */
export async function startSandbox(opts: SandboxOptions): Promise<SandboxServer> {
  let faults: Fault[] = [];
  const exchanges: Exchange[] = [];
  const idempotent = new Map<string, { fingerprint: string; out: SandboxResponse }>();
  const faultBody =
    opts.faultBody ??
    ((status: number) => ({ code: `SANDBOX_${status}`, message: `Injected fault: HTTP ${status}` }));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const rawBody = await readBody(req);
    const exchange: Exchange = {
      method,
      path,
      query: url.search.replace(/^\?/, ''),
      requestHeaders: req.headers,
      requestBody: undefined,
      status: 0,
      responseBody: undefined,
    };
    exchanges.push(exchange);

    let body: unknown;
    const text = rawBody.toString('utf8');
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        exchange.requestBody = text;
        exchange.status = 400;
        exchange.responseBody = send(res, {
          status: 400,
          json: { code: 'BAD_JSON', message: 'Request body is not valid JSON' },
        });
        return;
      }
    }
    exchange.requestBody = body;

    let afterApply: 'apply_then_reset' | 'apply_then_hang' | undefined;
    const patches: Fault[] = [];
    for (const f of faults) {
      if (!faultMatches(f, method, path)) continue;
      if (f.times !== undefined) f.times -= 1;
      if (f.kind === 'patch') {
        patches.push(f);
        continue;
      }
      if (f.kind === 'latency') {
        await sleep(f.latencyMs ?? 0);
        continue;
      }
      if (f.kind === 'apply_then_reset' || f.kind === 'apply_then_hang') {
        afterApply = f.kind;
        break;
      }
      exchange.fault = f.kind;
      switch (f.kind) {
        case 'hang':
          return;
        case 'reset':
          res.socket?.destroy();
          return;
        case 'status': {
          const status = f.status ?? 500;
          const headers: Record<string, string> = { ...f.headers };
          if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
          exchange.status = status;
          let json = f.body === undefined ? faultBody(status) : f.body;
          if (f.echoCredentials) {
            const h = req.headers;
            const carried = [h['authorization'], h['x-soracom-api-key'], h['x-soracom-token'], h['x-api-key'], h['cookie'], text].filter((v) => typeof v === 'string' && v !== '').join(' ');
            json = Object.fromEntries(Object.entries(json as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? `${v} (received ${carried})` : v]));
          }
          exchange.responseBody = send(res, { status, json, headers });
          return;
        }
        case 'malformed_json':
          exchange.status = 200;
          send(res, { status: 200, body: '{"broken":', headers: { 'Content-Type': 'application/json' } });
          return;
        case 'truncated_body': {
          exchange.status = 200;
          const partial = '{"items":[{"id":"1"},';
          res.writeHead(200, {
            'Content-Type': 'application/json',
            'Content-Length': String(partial.length + 4096),
          });
          res.write(partial, () => {
            setTimeout(() => res.socket?.destroy(), 10);
          });
          return;
        }
      }
    }

    const sreq: SandboxRequest = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      params: {},
      body,
      rawBody,
    };
    /** Sends the answer, unless a fault drops it after the request was carried out. */
    const answer = (out: SandboxResponse) => {
      exchange.status = out.status;
      if (afterApply !== undefined) {
        exchange.fault = afterApply;
        if (afterApply === 'apply_then_reset') res.socket?.destroy();
        return;
      }
      exchange.responseBody = send(res, out);
    };
    const keyHeader = req.headers['idempotency-key'];
    const key = opts.idempotency && method !== 'GET' && typeof keyHeader === 'string' && keyHeader !== '' ? `${String(req.headers.authorization ?? '')} ${keyHeader}` : undefined;
    const fingerprint = `${method} ${path} ${url.search} ${text}`;
    if (key !== undefined) {
      const seen = idempotent.get(key);
      if (seen && seen.fingerprint !== fingerprint) {
        answer({ status: 400, json: { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } } });
        return;
      }
      if (seen) {
        answer({ ...seen.out, headers: { ...seen.out.headers, 'Idempotent-Replayed': 'true' } });
        return;
      }
    }
    let pathMatched = false;
    for (const route of opts.routes) {
      const params = matchPattern(route.pattern, path);
      if (params === undefined) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      sreq.params = params;
      exchange.route = route.pattern;
      let out: SandboxResponse;
      try {
        out = await route.handler(sreq);
      } catch (e) {
        out = {
          status: 500,
          json: { code: 'SANDBOX_ERROR', message: e instanceof Error ? e.message : String(e) },
        };
      }
      if (patches.length > 0 && out.json !== undefined) {
        // A copy: the handler may have answered with the sandbox's own state.
        const json = structuredClone(out.json);
        for (const p of patches) setAtPointer(json, p.pointer ?? '', p.value);
        out = { ...out, json };
        exchange.fault = 'patch';
      }
      // Server errors are not kept, as Stripe does not keep them: the same key may be tried again.
      if (key !== undefined && out.status < 500) idempotent.set(key, { fingerprint, out });
      answer(out);
      return;
    }
    const out: SandboxResponse = pathMatched
      ? { status: 405, json: { code: 'METHOD_NOT_ALLOWED', message: `${method} not allowed on ${path}` } }
      : (opts.notFound?.(sreq) ?? { status: 404, json: { code: 'NOT_FOUND', message: `No route for ${path}` } });
    exchange.status = out.status;
    exchange.responseBody = send(res, out);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  let tracked = await listen(onRequest, opts.port ?? 0);
  let suspended = false;
  const port = Number(new URL(tracked.url).port);

  return {
    url: tracked.url,
    async suspend() {
      if (suspended) return;
      suspended = true;
      await closeTracked(tracked);
    },
    async resume() {
      if (!suspended) return;
      tracked = await listen(onRequest, port);
      suspended = false;
    },
    setFaults(f) {
      faults = f.map((x) => ({ ...x }));
    },
    clearFaults() {
      faults = [];
    },
    exchanges,
    close: () => (suspended ? Promise.resolve() : closeTracked(tracked)),
  };
}

export interface HostedFile {
  body: Uint8Array | string | (() => Uint8Array | string);
  contentType: string;
  fileName?: string;
}

export interface FileHostRequest {
  /** Path without the query string. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: IncomingHttpHeaders;
}

export interface FileHost {
  url: string;
  /** Serves `file` at `path` (query ignored when matching); returns its absolute URL. */
  put(path: string, file: HostedFile): string;
  /** Answers 302 to `toAbsoluteUrl` at `fromPath`; returns the absolute URL of `fromPath`. */
  redirect(fromPath: string, toAbsoluteUrl: string): string;
  requests: FileHostRequest[];
  close(): Promise<void>;
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** A separate origin (own random port) standing in for S3 or an invoice host. */
export async function startFileHost(): Promise<FileHost> {
  const files = new Map<string, HostedFile>();
  const redirects = new Map<string, string>();
  const requests: FileHostRequest[] = [];

  const tracked = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: url.search.replace(/^\?/, ''), headers: req.headers });
    req.resume();
    const target = redirects.get(url.pathname);
    if (target !== undefined) {
      res.writeHead(302, { Location: target, 'Content-Length': '0' });
      res.end();
      return;
    }
    const file = files.get(url.pathname);
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not found');
      return;
    }
    const raw = typeof file.body === 'function' ? file.body() : file.body;
    const payload = Buffer.from(raw);
    const headers: Record<string, string> = {
      'Content-Type': file.contentType,
      'Content-Length': String(payload.length),
    };
    if (file.fileName !== undefined) headers['Content-Disposition'] = contentDisposition(file.fileName);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
  }, 0);

  const pathOf = (p: string) => new URL(p, tracked.url).pathname;
  return {
    url: tracked.url,
    put(path, file) {
      files.set(pathOf(path), file);
      return new URL(path, tracked.url).toString();
    },
    redirect(fromPath, toAbsoluteUrl) {
      redirects.set(pathOf(fromPath), toAbsoluteUrl);
      return new URL(fromPath, tracked.url).toString();
    },
    requests,
    close: () => closeTracked(tracked),
  };
}
