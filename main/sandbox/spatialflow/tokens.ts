import { createHmac } from 'node:crypto';
import { randomChars, rngFor, type Rng } from './data';

/**
 * JWT-shaped access tokens (HS256, `exp` in seconds) and opaque rotating
 * refresh tokens, like a Django Ninja + SimpleJWT backend. Expiry runs on the
 * real clock so `tokenTtlSeconds` behaves the same in demo mode and tests.
 */

export type AccessCheck = { ok: true; userId: string } | { ok: false; reason: 'expired' | 'invalid' };

interface RefreshEntry {
  userId: string;
  expiresAtMs: number;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export class TokenIssuer {
  private readonly secret: string;
  private readonly rng: Rng;
  private readonly refresh = new Map<string, RefreshEntry>();
  private seq = 0;
  /** Access tokens with a sequence number below this count as expired (`expireTokens()`). */
  private expiredBelow = 0;

  constructor(
    seed: number,
    readonly accessTtlSeconds: number,
    private readonly refreshTtlSeconds = 7 * 86_400,
  ) {
    this.rng = rngFor(seed, 90, 0);
    this.secret = randomChars(this.rng, 32);
  }

  issue(userId: string): { access: string; refresh: string; expiresIn: number } {
    const nowSec = Math.floor(Date.now() / 1000);
    this.seq += 1;
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(
      JSON.stringify({
        token_type: 'access',
        sub: userId,
        user_id: userId,
        jti: randomChars(this.rng, 32, '0123456789abcdef'),
        seq: this.seq,
        iat: nowSec,
        exp: nowSec + this.accessTtlSeconds,
      }),
    );
    const sig = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest('base64url');
    const refresh = `rt_${randomChars(this.rng, 48)}`;
    this.refresh.set(refresh, { userId, expiresAtMs: Date.now() + this.refreshTtlSeconds * 1000 });
    return { access: `${header}.${payload}.${sig}`, refresh, expiresIn: this.accessTtlSeconds };
  }

  checkAccess(token: string): AccessCheck {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'invalid' };
    const [header, payload, sig] = parts as [string, string, string];
    const expected = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest('base64url');
    if (sig !== expected) return { ok: false, reason: 'invalid' };
    let claims: { sub?: unknown; exp?: unknown; seq?: unknown; token_type?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (claims.token_type !== 'access' || typeof claims.sub !== 'string') return { ok: false, reason: 'invalid' };
    const exp = typeof claims.exp === 'number' ? claims.exp : 0;
    const seq = typeof claims.seq === 'number' ? claims.seq : 0;
    if (exp * 1000 <= Date.now() || seq < this.expiredBelow) return { ok: false, reason: 'expired' };
    return { ok: true, userId: claims.sub };
  }

  /** Rotates: the old refresh token stops working once used. */
  useRefresh(token: string): { userId: string } | undefined {
    const entry = this.refresh.get(token);
    if (entry === undefined) return undefined;
    this.refresh.delete(token);
    if (entry.expiresAtMs <= Date.now()) return undefined;
    return { userId: entry.userId };
  }

  expireAccessTokens(): void {
    this.expiredBelow = this.seq + 1;
  }

  revokeRefreshTokens(): void {
    this.refresh.clear();
  }
}
