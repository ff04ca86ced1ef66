/*
 * The S3-like host the sandbox's export URLs point at. It follows the kit's `FileHost` interface
 * (the kit's own host cannot look at request headers) and adds what S3 does with pre-signed URLs:
 * a request that also carries an Authorization or X-Soracom-* header is answered 400, a wrong or
 * expired signature 403, both with S3's XML error body.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FileHost, FileHostRequest, HostedFile } from '../kit';

export interface SignedStorage extends FileHost {
  /** Serves `file` at `path` behind a pre-signed URL valid for `expiresInSeconds` (default 3600); returns that URL. */
  putSigned(path: string, file: HostedFile, expiresInSeconds?: number): string;
}

interface Stored {
  file: HostedFile;
  signature?: string;
}

const SIGNING_KEY = 'billfold-sandbox-signing-key';

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(v: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function sign(path: string, date: string, expires: number): string {
  return createHmac('sha256', SIGNING_KEY).update(`${path}\n${date}\n${expires}`).digest('hex');
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function startSignedStorage(): Promise<SignedStorage> {
  const files = new Map<string, Stored>();
  const redirects = new Map<string, string>();
  const requests: FileHostRequest[] = [];
  const sockets = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: url.search.replace(/^\?/, ''), headers: req.headers });
    req.resume();
    const credentialHeaders = Object.keys(req.headers).filter((h) => h === 'authorization' || h.startsWith('x-soracom-'));
    if (credentialHeaders.length > 0) {
      s3Error(
        res,
        400,
        'InvalidArgument',
        `Only one auth mechanism allowed; unexpected header(s): ${credentialHeaders.join(', ')}`,
      );
      return;
    }
    const target = redirects.get(url.pathname);
    if (target !== undefined) {
      res.writeHead(302, { Location: target, 'Content-Length': '0' });
      res.end();
      return;
    }
    const stored = files.get(url.pathname);
    if (stored === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return;
    }
    if (stored.signature !== undefined) {
      const q = url.searchParams;
      const date = q.get('X-Amz-Date') ?? '';
      const expires = Number(q.get('X-Amz-Expires') ?? 'NaN');
      const signedAt = parseAmzDate(date);
      if (q.get('X-Amz-Signature') !== stored.signature || signedAt === undefined || !Number.isInteger(expires)) {
        s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
        return;
      }
      if (Date.now() > signedAt + expires * 1000) {
        s3Error(res, 403, 'AccessDenied', 'Request has expired');
        return;
      }
    }
    const raw = typeof stored.file.body === 'function' ? stored.file.body() : stored.file.body;
    const payload = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const headers: Record<string, string> = {
      'Content-Type': stored.file.contentType,
      'Content-Length': String(payload.byteLength),
    };
    if (stored.file.fileName !== undefined) headers['Content-Disposition'] = contentDisposition(stored.file.fileName);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
  };

  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pathOf = (p: string) => new URL(p, base).pathname;

  return {
    url: base,
    put(path, file) {
      files.set(pathOf(path), { file });
      return new URL(path, base).toString();
    },
    putSigned(path, file, expiresInSeconds = 3600) {
      const key = pathOf(path);
      const date = amzDate(new Date());
      const signature = sign(key, date, expiresInSeconds);
      files.set(key, { file, signature });
      const url = new URL(key, base);
      url.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA256');
      url.searchParams.set('X-Amz-Credential', `ASIASANDBOX/${date.slice(0, 8)}/ap-northeast-1/s3/aws4_request`);
      url.searchParams.set('X-Amz-Date', date);
      url.searchParams.set('X-Amz-Expires', String(expiresInSeconds));
      url.searchParams.set('X-Amz-SignedHeaders', 'host');
      url.searchParams.set('X-Amz-Signature', signature);
      return url.toString();
    },
    redirect(fromPath, toAbsoluteUrl) {
      redirects.set(pathOf(fromPath), toAbsoluteUrl);
      return new URL(fromPath, base).toString();
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      }),
  };
}
