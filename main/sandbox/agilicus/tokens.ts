import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Demo OIDC access tokens: real HS256 JWTs signed with a per-sandbox key, so
 * a forged or edited token is rejected like on the real API. `expireAll`
 * stands in for the tokens running out.
 */
export interface TokenIssuer {
  issue(): string;
  expireAll(): void;
  check(authorization: string | undefined): { ok: true } | { ok: false; code: string; message: string };
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function createTokenIssuer(opts: { seed: number; issuer: string; clock: () => Date }): TokenIssuer {
  const key = createHmac('sha256', 'agilicus-sandbox').update(String(opts.seed)).digest();
  let generation = 0;
  let serial = 0;
  const sign = (input: string) => createHmac('sha256', key).update(input).digest();

  return {
    issue() {
      serial += 1;
      const iat = Math.floor(opts.clock().getTime() / 1000);
      const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'sandbox' }));
      const payload = b64url(
        JSON.stringify({
          iss: opts.issuer,
          sub: 'demo-admin',
          aud: 'agilicus-api',
          email: 'demo.admin@northwind-logistics.ca',
          iat,
          exp: iat + 3600,
          jti: `t${serial}`,
          gen: generation,
        }),
      );
      return `${header}.${payload}.${sign(`${header}.${payload}`).toString('base64url')}`;
    },
    expireAll() {
      generation += 1;
    },
    check(authorization) {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      if (!m?.[1]) {
        return { ok: false, code: 'UNAUTHORIZED', message: 'A bearer token is required in the Authorization header' };
      }
      const parts = m[1].split('.');
      const [header, payload, signature] = parts;
      if (parts.length !== 3 || !header || !payload || !signature) {
        return { ok: false, code: 'INVALID_TOKEN', message: 'The bearer token is not a valid JWT' };
      }
      const expected = sign(`${header}.${payload}`);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, code: 'INVALID_TOKEN', message: 'The bearer token signature is not valid' };
      }
      let claims: { gen?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { gen?: unknown };
      } catch {
        return { ok: false, code: 'INVALID_TOKEN', message: 'The bearer token is not a valid JWT' };
      }
      if (claims.gen !== generation) {
        return { ok: false, code: 'TOKEN_EXPIRED', message: 'The bearer token has expired' };
      }
      return { ok: true };
    },
  };
}
