import { createHash } from 'node:crypto';
import {
  startFileHost,
  startSandbox,
  type FileHost,
  type Route,
  type SandboxRequest,
  type SandboxResponse,
  type SandboxServer,
} from '../kit';
import { PLANS, shortDate, type SandboxInvoice } from './data';
import { buildPdf, type PdfLine } from './pdf';
import { ApiFailure, BillingState } from './state';
import { TokenIssuer } from './tokens';

export interface SpatialFlowSandboxOptions {
  /** Seed for the generated data; same seed, same data. Default 1. */
  seed?: number;
  /** Invoice history size; default 60. Invoices are generated on demand, so 10,000 starts as fast as 60. */
  scale?: { invoices?: number };
  /** The sandbox's "now" for data (periods, proration); it then advances with the real clock. */
  now?: Date;
  /** Access token lifetime; default 900 s, as the hosted API. */
  tokenTtlSeconds?: number;
  /**
   * What sign-in and refresh answers say as `expires_in`, when it is not the real lifetime: some
   * deployments send 0 or a negative number. Default: the real lifetime.
   */
  reportedExpiresIn?: number;
  /**
   * Which API version's cancel and reactivate routes it serves: v1.0.0's POST
   * /api/v1/billing/{action}-subscription (the seed), v1.1.0's PUT /api/v1/subscriptions/{action},
   * or both (the default, as the hosted API).
   */
  subscriptionActions?: '1.0.0' | '1.1.0' | 'both';
  /** Logins allowed per email per minute before 429; default 15, as documented. */
  loginsPerMinute?: number;
}

export interface SpatialFlowSandbox {
  /** Base URL a client uses (paths start with `/api/v1`). */
  apiUrl: string;
  server: SandboxServer;
  /** The separate origin that serves invoice PDFs. */
  files: FileHost;
  /** Demo login that works against this sandbox. */
  credentials: { kind: 'password'; email: string; password: string };
  /** Expires every access token issued so far; with `refreshTokens`, revokes refresh tokens too (forces a new login). */
  expireTokens(opts?: { refreshTokens?: boolean }): void;
  /** A fresh access token for the demo user, for token-credential tests and demo mode. */
  mintAccessToken(): string;
  close(): Promise<void>;
}

type Handler = (req: SandboxRequest) => SandboxResponse;

const json = (body: unknown, status = 200, headers?: Record<string, string>): SandboxResponse =>
  headers === undefined ? { status, json: body } : { status, json: body, headers };

const failure = (f: ApiFailure): SandboxResponse =>
  json(f.errorCode === undefined ? { detail: f.detail } : { detail: f.detail, error_code: f.errorCode }, f.status);

const validation = (field: string, message: string): SandboxResponse =>
  json({ detail: 'Validation failed', error_code: 'VALIDATION_ERROR', details: { [field]: [message] } }, 422);

/** Runs a handler, turning ApiFailure into the API's error body. */
const guarded =
  (h: Handler): Handler =>
  (req) => {
    try {
      return h(req);
    } catch (e) {
      if (e instanceof ApiFailure) return failure(e);
      throw e;
    }
  };

/**
 * Reads a single id from a body in either shape: v1.1.0 objects
 * (`{"payment_method_id": "pm_…"}`) or the v1.0.0 SDK's bare JSON string.
 */
function bodyId(body: unknown, field: string): string | undefined {
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const v = (body as Record<string, unknown>)[field];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

function usd(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const [whole, frac] = (Math.abs(cents) / 100).toFixed(2).split('.') as [string, string];
  return `${sign}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

function invoicePdf(inv: SandboxInvoice, state: BillingState): Uint8Array {
  const u = state.user;
  const lines: PdfLine[] = [
    { text: 'SpatialFlow, Inc.', size: 18, bold: true },
    { text: '548 Market St #83123, San Francisco, CA 94104, United States', size: 9 },
    { text: 'billing@spatialflow.io', size: 9 },
    { text: 'Invoice', size: 16, bold: true, gap: 18 },
    { text: 'Invoice number', right: inv.number, gap: 6 },
    { text: 'Date of issue', right: shortDate(inv.created_at) },
    { text: 'Billing period', right: `${shortDate(inv.period_start)} - ${shortDate(inv.period_end)}` },
    { text: 'Status', right: inv.status.toUpperCase() },
    { text: 'Bill to', bold: true, gap: 12 },
    { text: u.name },
    { text: u.company },
    { text: u.email },
    { text: 'Description', right: 'Amount', bold: true, gap: 16 },
  ];
  for (const l of inv.line_items) {
    const qty = l.quantity === 1 ? '' : ` x ${l.quantity} @ ${usd(l.unit_amount)}`;
    lines.push({ text: `${l.description}${qty}`, right: usd(l.amount) });
  }
  lines.push(
    { text: 'Total', right: `${usd(inv.amount_due)} ${inv.currency.toUpperCase()}`, bold: true, gap: 10 },
    { text: 'Amount paid', right: usd(inv.amount_paid) },
    { text: 'Amount remaining', right: usd(inv.amount_due - inv.amount_paid) },
    { text: 'Questions? Contact billing@spatialflow.io', size: 8, gap: 24 },
  );
  return buildPdf(lines, `Invoice ${inv.number}`);
}

export async function startSpatialFlowSandbox(opts: SpatialFlowSandboxOptions = {}): Promise<SpatialFlowSandbox> {
  const seed = opts.seed ?? 1;
  const startedAt = Date.now();
  const baseNow = opts.now?.getTime() ?? startedAt;
  const now = () => baseNow + (Date.now() - startedAt);
  const state = new BillingState(seed, Math.max(0, Math.floor(opts.scale?.invoices ?? 60)), now);
  const tokens = new TokenIssuer(seed, opts.tokenTtlSeconds ?? 900);
  const loginsPerMinute = opts.loginsPerMinute ?? 15;
  const actions = opts.subscriptionActions ?? 'both';
  const loginTimes = new Map<string, number[]>();

  const files = await startFileHost();
  const hosted = new Map<string, string>();
  /** Registers the invoice's PDF on the file host the first time it is asked for; built lazily on each GET. */
  const pdfUrl = (inv: SandboxInvoice): string => {
    let url = hosted.get(inv.id);
    if (url === undefined) {
      const sig = createHash('sha256').update(`${seed}:${inv.id}`).digest('hex');
      const path = `/invoices/${state.series.numberPrefix.toLowerCase()}/${inv.id}/Invoice-${inv.number}.pdf`;
      const abs = files.put(path, {
        body: () => invoicePdf(inv, state),
        contentType: 'application/pdf',
        fileName: `Invoice-${inv.number}.pdf`,
      });
      url = `${abs}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=${sig}`;
      hosted.set(inv.id, url);
    }
    return url;
  };
  const invoiceJson = (inv: SandboxInvoice) => ({ ...inv, invoice_pdf: pdfUrl(inv) });

  const issue = () => {
    const t = tokens.issue(state.user.id);
    return {
      access_token: t.access,
      refresh_token: t.refresh,
      token_type: 'bearer',
      expires_in: opts.reportedExpiresIn ?? t.expiresIn,
      user: state.userJson(),
    };
  };
  // The API also sets HttpOnly cookies for browsers; the desktop client uses the body.
  const sessionCookies = (t: { refresh_token: string }) => ({
    'Set-Cookie': `refresh_token=${t.refresh_token}; Max-Age=604800; Path=/api/v1/auth; HttpOnly; Secure; SameSite=Strict`,
  });

  /** JWTBearer: missing, malformed or expired tokens are 401 with an ErrorResponse. */
  const authed =
    (h: Handler): Handler =>
    (req) => {
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      const challenge = { 'WWW-Authenticate': 'Bearer' };
      if (match === null) return json({ detail: 'Unauthorized' }, 401, challenge);
      const check = tokens.checkAccess(match[1] as string);
      if (!check.ok) {
        return check.reason === 'expired'
          ? json({ detail: 'Token has expired', error_code: 'TOKEN_EXPIRED' }, 401, {
              'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token expired"',
            })
          : json({ detail: 'Invalid token', error_code: 'INVALID_TOKEN' }, 401, {
              'WWW-Authenticate': 'Bearer error="invalid_token"',
            });
      }
      return guarded(h)(req);
    };

  const login: Handler = (req) => {
    const b = req.body as { email?: unknown; password?: unknown } | undefined;
    if (typeof b !== 'object' || b === null || typeof b.email !== 'string' || typeof b.password !== 'string') {
      return validation(typeof b?.email === 'string' ? 'password' : 'email', 'This field is required');
    }
    const email = b.email.trim().toLowerCase();
    const t = Date.now();
    const recent = (loginTimes.get(email) ?? []).filter((x) => t - x < 60_000);
    if (recent.length >= loginsPerMinute) {
      const wait = Math.max(1, Math.ceil((60_000 - (t - (recent[0] ?? t))) / 1000));
      return json({ detail: `Too many login attempts. Try again in ${wait} seconds.` }, 429, { 'Retry-After': String(wait) });
    }
    recent.push(t);
    loginTimes.set(email, recent);
    if (email !== state.user.email || b.password !== state.user.password) {
      return json({ detail: 'Invalid email or password', error_code: 'INVALID_CREDENTIALS' }, 401);
    }
    const body = issue();
    return json(body, 200, sessionCookies(body));
  };

  const refresh: Handler = (req) => {
    let token = bodyId(req.body, 'refresh_token');
    if (token === undefined) {
      const cookie = /(?:^|;\s*)refresh_token=([^;]+)/.exec(req.headers.cookie ?? '');
      token = cookie?.[1];
    }
    if (token === undefined || token === '') {
      return json({ detail: 'Refresh token not provided', error_code: 'REFRESH_TOKEN_MISSING' }, 401);
    }
    if (tokens.useRefresh(token) === undefined) {
      return json({ detail: 'Invalid or expired refresh token', error_code: 'INVALID_REFRESH_TOKEN' }, 401);
    }
    const body = issue();
    return json(body, 200, sessionCookies(body));
  };

  const listInvoices: Handler = (req) => {
    const rawLimit = req.query.get('limit');
    let limit = 10;
    if (rawLimit !== null) {
      if (!/^-?\d+$/.test(rawLimit)) return validation('limit', 'Input should be a valid integer');
      limit = Number(rawLimit);
      if (limit < 1 || limit > 100) return validation('limit', 'Input should be between 1 and 100');
    }
    let from = 0;
    const after = req.query.get('starting_after');
    if (after !== null && after !== '') {
      const pos = state.invoicePosition(after);
      if (pos < 0) throw new ApiFailure(404, 'Invoice not found', 'NOT_FOUND');
      from = pos + 1;
    }
    const invoices: unknown[] = [];
    for (let p = from; p < Math.min(from + limit, state.invoiceCount); p++) {
      const inv = state.invoiceAt(p);
      if (inv !== undefined) invoices.push(invoiceJson(inv));
    }
    return json({ invoices, has_more: from + limit < state.invoiceCount });
  };

  const planIdFrom = (req: SandboxRequest): string | SandboxResponse => {
    const id = bodyId(req.body, 'new_plan_id');
    return id === undefined || id === '' ? validation('new_plan_id', 'This field is required') : id;
  };

  const previewPlanChange: Handler = (req) => {
    const id = planIdFrom(req);
    if (typeof id !== 'string') return id;
    const p = state.preview(id);
    return json({
      current_plan: p.current,
      new_plan: p.next,
      prorated_amount: p.proratedAmount,
      immediate_charge: p.immediateCharge,
      next_invoice_change: p.nextInvoiceChange,
      effective_date: new Date(p.effectiveMs).toISOString(),
    });
  };

  const changePlan: Handler = (req) => {
    const id = planIdFrom(req);
    if (typeof id !== 'string') return id;
    const p = state.changePlan(id);
    return json({
      success: true,
      message: `Your plan was changed from ${p.current.name} to ${p.next.name}.`,
      subscription: state.subscriptionJson(),
    });
  };

  const cancel: Handler = () => json({ success: true, message: state.cancel(), subscription: state.subscriptionJson() });
  const reactivate: Handler = () =>
    json({ success: true, message: state.reactivate(), subscription: state.subscriptionJson() });

  const routes: Route[] = [
    { method: 'POST', pattern: '/api/v1/auth/login', handler: login },
    { method: 'POST', pattern: '/api/v1/auth/refresh', handler: refresh },
    {
      method: 'GET',
      pattern: '/api/v1/billing/payment-methods',
      handler: authed(() => json(state.cards.map((c) => state.cardJson(c)))),
    },
    {
      method: 'POST',
      pattern: '/api/v1/billing/payment-methods',
      handler: authed((req) => {
        const id = bodyId(req.body, 'payment_method_id');
        if (id === undefined || id === '') return validation('payment_method_id', 'This field is required');
        const card = state.addCard(id);
        return json({ success: true, message: 'Payment method added', payment_method: state.cardJson(card) });
      }),
    },
    {
      method: 'PUT',
      pattern: '/api/v1/billing/payment-methods/:pm_id/default',
      handler: authed((req) => {
        const card = state.setDefaultCard(req.params.pm_id ?? '');
        return json({ success: true, message: 'Default payment method updated', payment_method_id: card.id });
      }),
    },
    {
      method: 'DELETE',
      pattern: '/api/v1/billing/payment-methods/:pm_id',
      handler: authed((req) => {
        state.removeCard(req.params.pm_id ?? '');
        return json({ success: true, message: 'Payment method removed' });
      }),
    },
    { method: 'GET', pattern: '/api/v1/billing/invoices', handler: authed(listInvoices) },
    {
      method: 'GET',
      pattern: '/api/v1/billing/invoices/:invoice_id',
      handler: authed((req) => json(invoiceJson(state.findInvoice(req.params.invoice_id ?? '')))),
    },
    {
      method: 'GET',
      pattern: '/api/v1/billing/invoices/:invoice_id/download',
      handler: authed((req) => json({ url: pdfUrl(state.findInvoice(req.params.invoice_id ?? '')) })),
    },
    { method: 'POST', pattern: '/api/v1/billing/preview-plan-change', handler: authed(previewPlanChange) },
    { method: 'POST', pattern: '/api/v1/billing/change-plan', handler: authed(changePlan) },
    {
      method: 'POST',
      pattern: '/api/v1/billing/create-setup-intent',
      handler: authed(() => json({ client_secret: state.setupIntentSecret() })),
    },
    // v1.0.0 routes (the seed's); v1.1.0 replaced them with the PUT routes below. Both are served.
    ...(actions !== '1.1.0'
      ? [
          { method: 'POST' as const, pattern: '/api/v1/billing/cancel-subscription', handler: authed(cancel) },
          { method: 'POST' as const, pattern: '/api/v1/billing/reactivate-subscription', handler: authed(reactivate) },
        ]
      : []),
    ...(actions !== '1.0.0'
      ? [
          { method: 'PUT' as const, pattern: '/api/v1/subscriptions/cancel', handler: authed(cancel) },
          { method: 'PUT' as const, pattern: '/api/v1/subscriptions/reactivate', handler: authed(reactivate) },
        ]
      : []),
    { method: 'GET', pattern: '/api/v1/subscriptions/current', handler: authed(() => json(state.subscriptionJson())) },
    // Public: the pricing page uses it before sign-in.
    { method: 'GET', pattern: '/api/v1/subscriptions/plans', handler: () => json(PLANS) },
  ];

  const server = await startSandbox({
    routes,
    idempotency: true,
    notFound: () => json({ detail: 'Not Found' }, 404),
    faultBody: (status) =>
      status === 429
        ? { detail: 'Request was throttled. Please try again later.', error_code: 'RATE_LIMITED' }
        : status >= 500
          ? { detail: 'Internal server error', error_code: 'INTERNAL_ERROR' }
          : { detail: `HTTP ${status}`, error_code: `HTTP_${status}` },
  });

  return {
    apiUrl: server.url,
    server,
    files,
    credentials: { kind: 'password', email: state.user.email, password: state.user.password },
    expireTokens(o) {
      tokens.expireAccessTokens();
      if (o?.refreshTokens === true) tokens.revokeRefreshTokens();
    },
    mintAccessToken: () => tokens.issue(state.user.id).access,
    async close() {
      await Promise.all([server.close(), files.close()]);
    },
  };
}
