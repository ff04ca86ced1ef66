import fs from 'node:fs/promises';
import { z } from 'zod';
import { readHead } from '../../fs/read-head';
import { createHttpClient } from '../../http/client';
import { AppError, readAfterWrite } from '../../http/errors';
import type { AuthStrategy, DownloadProgress, HttpClient, HttpClientOptions, ProviderErrorParser } from '../../http/types';
import { memorySessionStore, type SessionStore } from '../session-store';
import {
  errorBodySchema,
  invoiceDownloadSchema,
  invoiceListSchema,
  invoiceSchema,
  loginResponseSchema,
  paymentMethodListSchema,
  planChangePreviewSchema,
  planListSchema,
  setupIntentSchema,
  subscriptionSchema,
  type InvoiceListResponse,
  type InvoiceResponse,
  type LoginResponse,
  type PaymentMethodResponse,
  type PlanChangePreviewResponse,
  type PlanResponse,
  type SubscriptionResponse,
} from './schemas';

export const SPATIALFLOW_DEFAULT_BASE_URL = 'https://api.spatialflow.io';
const PROVIDER = 'SpatialFlow';
/** Refresh this much before the server would say the token expired (at most a quarter of its lifetime). */
const EXPIRY_SKEW_MS = 30_000;
/** 401s that arrive this soon after a renewal were sent with the old token; they need no new renewal. */
const RECENT_RENEWAL_MS = 5_000;
const PDF_MAX_BYTES = 50 * 1024 * 1024;

export type SpatialFlowCredentials =
  | { kind: 'password'; email: string; password: string }
  /** A pasted access token: it cannot be refreshed, so it stops working when it expires. */
  | { kind: 'token'; accessToken: string };

/** What the client keeps in the session store (keychain-backed in the app). */
export interface SpatialFlowSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when to refresh: `expires_in` less a small margin. */
  expiresAt?: number;
  /** The login the tokens belong to; a changed email discards them. */
  email: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

// ---------------------------------------------------------------- errors

/** Reads `ErrorResponse {detail, error_code?, details?}`; `detail` may also be a Ninja validation list. */
export const parseSpatialFlowError: ProviderErrorParser = (status, body) => {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const { detail, error_code: code, message } = parsed.data;
  let text: string | undefined;
  if (typeof detail === 'string') text = detail;
  else if (Array.isArray(detail)) {
    text = detail
      .map((d: unknown) => (typeof d === 'object' && d !== null && 'msg' in d ? String((d as { msg: unknown }).msg) : String(d)))
      .join('; ');
  } else if (typeof message === 'string') text = message;
  const out: ReturnType<ProviderErrorParser> = {};
  if (typeof code === 'string' && code !== '') out.providerCode = code;
  if (text !== undefined && text !== '') out.providerMessage = text.slice(0, 500);
  // The spec's ErrorResponse does not say why a token was refused (expired, revoked, rotated signing
  // key): every 401 is worth one renewal, which the auth strategy refuses for a pasted token.
  if (status === 401) out.expiredToken = true;
  return out;
};

// ---------------------------------------------------------------- auth

export interface SpatialFlowAuth extends AuthStrategy {
  /** Logs in with the stored password (password credentials only) and saves the new tokens. */
  login(signal?: AbortSignal): Promise<SpatialFlowSession>;
}

export function createSpatialFlowAuth(opts: {
  credentials: SpatialFlowCredentials;
  session: SessionStore<SpatialFlowSession>;
  /** A client without auth, for the login and refresh endpoints. */
  http: HttpClient;
  now?: () => number;
}): SpatialFlowAuth {
  const { credentials, session, http } = opts;
  const now = opts.now ?? Date.now;
  // One login/refresh at a time: concurrent 401s share it.
  let inflight: Promise<SpatialFlowSession> | undefined;
  let lastRenewal: { at: number; token: string } | undefined;
  const once = (work: () => Promise<SpatialFlowSession>) => {
    inflight ??= work().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  const store = async (r: LoginResponse, email: string): Promise<SpatialFlowSession> => {
    const s: SpatialFlowSession = { accessToken: r.access_token, refreshToken: r.refresh_token, email };
    // expires_in is seconds (SimpleJWT); ignore absurd values rather than trusting them.
    if (r.expires_in !== undefined && r.expires_in < 366 * 86_400) {
      const ttl = r.expires_in * 1000;
      s.expiresAt = now() + ttl - Math.min(EXPIRY_SKEW_MS, ttl / 4);
    }
    await session.save(s);
    return s;
  };

  const login = async (signal?: AbortSignal): Promise<SpatialFlowSession> => {
    if (credentials.kind !== 'password') {
      throw new AppError('auth_failed', `This ${PROVIDER} account uses an access token; there is no password to sign in with.`);
    }
    try {
      const req = {
        method: 'POST' as const,
        path: '/api/v1/auth/login',
        body: { email: credentials.email, password: credentials.password },
        anonymous: true,
        ...(signal ? { signal } : {}),
      };
      return await store(await http.json(req, loginResponseSchema), credentials.email);
    } catch (e) {
      if (e instanceof AppError && (e.status === 400 || e.status === 401 || e.status === 403 || e.status === 422)) {
        const extra: ConstructorParameters<typeof AppError>[2] = { status: e.status, cause: e };
        if (e.providerCode !== undefined) extra.providerCode = e.providerCode;
        if (e.providerMessage !== undefined) extra.providerMessage = e.providerMessage;
        throw new AppError('auth_failed', `${PROVIDER} did not accept the email and password for ${credentials.email}.`, extra);
      }
      throw e;
    }
  };

  const refresh = async (current: SpatialFlowSession, signal?: AbortSignal): Promise<SpatialFlowSession> => {
    try {
      const req = {
        method: 'POST' as const,
        path: '/api/v1/auth/refresh',
        body: { refresh_token: current.refreshToken },
        anonymous: true,
        ...(signal ? { signal } : {}),
      };
      return await store(await http.json(req, loginResponseSchema), current.email);
    } catch (e) {
      // A refused refresh token means a new login; network and server trouble do not.
      if (e instanceof AppError && (e.code === 'auth_failed' || e.code === 'auth_expired' || e.code === 'validation')) {
        await session.clear();
        return login(signal);
      }
      throw e;
    }
  };

  // The access token that was refused even right after a renewal. The session holding it is dropped
  // at its next use rather than at once: until the error has reached the window, the stored token is
  // what lets it be hidden there, should the 401 text echo it.
  let refused: string | undefined;
  const live = async (): Promise<SpatialFlowSession | undefined> => {
    const s = await session.load();
    if (s === undefined || refused === undefined || s.accessToken !== refused) return s;
    refused = undefined;
    await session.clear();
    return undefined;
  };

  const tokenExpired = () =>
    new AppError(
      'auth_failed',
      `The ${PROVIDER} access token has expired or was revoked. A pasted token cannot be renewed: paste a new one, or sign in with email and password instead.`,
    );

  return {
    login: (signal) => once(() => login(signal)),

    async headers(signal) {
      if (credentials.kind === 'token') return { Authorization: `Bearer ${credentials.accessToken}` };
      let s = await live();
      if (s === undefined || s.email !== credentials.email) s = await once(() => login(signal));
      else if (s.expiresAt !== undefined && now() >= s.expiresAt) {
        const stale = s;
        s = await once(() => refresh(stale, signal));
      }
      return { Authorization: `Bearer ${s.accessToken}` };
    },

    async rejected(sent) {
      // The token just renewed is refused too: the next call signs in afresh instead of sending it again.
      const s = await session.load();
      if (s !== undefined && sent['Authorization'] === `Bearer ${s.accessToken}`) refused = s.accessToken;
    },

    async renew(signal) {
      if (credentials.kind === 'token') throw tokenExpired();
      if (inflight === undefined && lastRenewal !== undefined && now() - lastRenewal.at < RECENT_RENEWAL_MS) {
        // A request that was already on the wire with the old token: the retry picks up the new one.
        if ((await live())?.accessToken === lastRenewal.token) return;
      }
      const fresh = await once(async () => {
        const s = await live();
        return s !== undefined && s.email === credentials.email ? refresh(s, signal) : login(signal);
      });
      lastRenewal = { at: now(), token: fresh.accessToken };
    },
  };
}

// ---------------------------------------------------------------- client

/** The text of a free-form success body: the body itself when it is a string, else its string `message` or `detail`. */
function messageOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || v === null) return undefined;
  const { message, detail } = v as { message?: unknown; detail?: unknown };
  if (typeof message === 'string') return message;
  return typeof detail === 'string' ? detail : undefined;
}

/**
 * Free-form success bodies: v1.1.0 sends an object, v1.0.0 documents none. The write was done
 * whatever the body says, so no body is rejected; only a string message is kept.
 */
const ackSchema = z.unknown().transform((v) => {
  const message = messageOf(v);
  return message === undefined ? {} : { message };
});
export type Ack = { message?: string };

export interface SubscriptionChangeResult {
  message?: string;
  subscription: SubscriptionResponse;
}

export interface InvoicePdf {
  /** The PDF; empty when it was streamed into `toFile`. */
  bytes: Uint8Array;
  /** The file it was streamed into (`toFile`). */
  file?: string;
  size: number;
  contentType?: string;
  /** From Content-Disposition, unsanitised; the files service reduces it to a safe base name. */
  suggestedName?: string;
  url: string;
}

/** The API versions whose cancel and reactivate routes differ. */
export type SubscriptionActionsVersion = '1.0.0' | '1.1.0';

export interface SpatialFlowClientOptions {
  /** The version whose cancel/reactivate routes this account answered to before, if known. */
  subscriptionActionsVersion?: SubscriptionActionsVersion;
  /** Told when the account answers to the other version's routes, so it can be remembered. */
  onSubscriptionActionsVersion?: (version: SubscriptionActionsVersion) => void;
  baseUrl: string;
  credentials: SpatialFlowCredentials;
  session?: SessionStore<SpatialFlowSession>;
  /** Timeouts, retry policy, size cap; `baseUrl`, `auth` and the error parser are always the client's own. */
  http?: Partial<HttpClientOptions>;
}

export type SpatialFlowClient = ReturnType<typeof createSpatialFlowClient>;

export function createSpatialFlowClient(opts: SpatialFlowClientOptions) {
  const common = { ...opts.http, baseUrl: opts.baseUrl, provider: PROVIDER, parseError: parseSpatialFlowError };
  const { auth: _ignored, ...anonymousOptions } = common;
  void _ignored;
  const session = opts.session ?? memorySessionStore<SpatialFlowSession>();
  const auth = createSpatialFlowAuth({ credentials: opts.credentials, session, http: createHttpClient(anonymousOptions) });
  // SpatialFlow is Stripe-like: every write carries an Idempotency-Key, one per user action.
  const http = createHttpClient({ ...common, auth, idempotencyKeys: true });

  const sig = (o?: CallOptions) => (o?.signal ? { signal: o.signal } : {});
  const seg = (id: string) => encodeURIComponent(id);

  async function getCurrentSubscription(o?: CallOptions): Promise<SubscriptionResponse> {
    return http.json({ method: 'GET', path: '/api/v1/subscriptions/current', ...sig(o) }, subscriptionSchema);
  }

  /**
   * Action answers are free-form (v1.0.0, change-plan): the subscription in one is kept only when it
   * reads as one, else it is read back. A 2xx means the change was made, so an answer in another
   * shape is never reported as a failure.
   */
  async function subscriptionAction(done: string, path: string, body: unknown, o?: CallOptions, method: 'POST' | 'PUT' = 'POST'): Promise<SubscriptionChangeResult> {
    const req = { method, path, ...(body === undefined ? {} : { body }), ...sig(o) };
    const res = await http.send(req);
    const sent = typeof res === 'object' && res !== null ? (res as { subscription?: unknown }).subscription : undefined;
    const parsed = subscriptionSchema.safeParse(sent);
    const subscription = parsed.success ? parsed.data : await readAfterWrite(done, () => getCurrentSubscription(o));
    const message = messageOf(res);
    return message === undefined ? { subscription } : { message, subscription };
  }

  /**
   * Cancel and reactivate moved in v1.1.0 (POST /api/v1/billing/{action}-subscription became PUT
   * /api/v1/subscriptions/{action}). The route this account answered to is tried first; a 404 or 405
   * means that route does not exist there (the call did nothing), so the other one is called once.
   * That is not a retry of a write, and whichever answers is remembered for the account.
   */
  let actionsVersion: SubscriptionActionsVersion | undefined = opts.subscriptionActionsVersion;
  async function eitherVersion(action: 'cancel' | 'reactivate', o?: CallOptions): Promise<SubscriptionChangeResult> {
    const done = action === 'cancel' ? 'The subscription was set to end with the current billing period.' : 'The subscription was reactivated.';
    const routes = {
      '1.0.0': () => subscriptionAction(done, `/api/v1/billing/${action}-subscription`, undefined, o, 'POST'),
      '1.1.0': () => subscriptionAction(done, `/api/v1/subscriptions/${action}`, undefined, o, 'PUT'),
    } as const;
    const first: SubscriptionActionsVersion = actionsVersion ?? '1.0.0';
    const second: SubscriptionActionsVersion = first === '1.0.0' ? '1.1.0' : '1.0.0';
    try {
      const result = await routes[first]();
      remember(first);
      return result;
    } catch (error) {
      if (!(error instanceof AppError && (error.status === 404 || error.status === 405))) throw error;
    }
    const result = await routes[second]();
    remember(second);
    return result;
  }
  function remember(version: SubscriptionActionsVersion) {
    if (actionsVersion === version) return;
    actionsVersion = version;
    opts.onSubscriptionActionsVersion?.(version);
  }

  async function downloadInvoice(invoiceId: string, o?: CallOptions): Promise<{ url: string }> {
    return http.json({ method: 'GET', path: `/api/v1/billing/invoices/${seg(invoiceId)}/download`, ...sig(o) }, invoiceDownloadSchema);
  }

  async function listInvoices(
    q: { limit?: number; startingAfter?: string } = {},
    o?: CallOptions,
  ): Promise<InvoiceListResponse> {
    return http.json(
      {
        method: 'GET',
        path: '/api/v1/billing/invoices',
        query: { limit: q.limit, starting_after: q.startingAfter },
        ...sig(o),
      },
      invoiceListSchema,
    );
  }

  return {
    auth,

    /** One cheap authenticated read: proves the URL and credentials work. */
    async testConnection(o?: CallOptions): Promise<{ plan: string; status: string }> {
      const s = await getCurrentSubscription(o);
      return { plan: s.plan.display_name || s.plan.name, status: s.status };
    },

    async listPaymentMethods(o?: CallOptions): Promise<PaymentMethodResponse[]> {
      return http.json({ method: 'GET', path: '/api/v1/billing/payment-methods', ...sig(o) }, paymentMethodListSchema);
    },

    /** `paymentMethodId` is the `pm_…` id Stripe.js returned after confirming a setup intent. */
    async addPaymentMethod(paymentMethodId: string, o?: CallOptions): Promise<Ack> {
      const body = { payment_method_id: paymentMethodId };
      return http.json({ method: 'POST', path: '/api/v1/billing/payment-methods', body, ...sig(o) }, ackSchema);
    },

    async setDefaultPaymentMethod(pmId: string, o?: CallOptions): Promise<Ack> {
      return http.json({ method: 'PUT', path: `/api/v1/billing/payment-methods/${seg(pmId)}/default`, ...sig(o) }, ackSchema);
    },

    async removePaymentMethod(pmId: string, o?: CallOptions): Promise<Ack> {
      return http.json({ method: 'DELETE', path: `/api/v1/billing/payment-methods/${seg(pmId)}`, ...sig(o) }, ackSchema);
    },

    listInvoices,

    /** Every invoice, newest first, following `starting_after` until `has_more` is false. */
    async *iterateInvoices(o: CallOptions & { pageSize?: number } = {}): AsyncGenerator<InvoiceResponse[]> {
      let startingAfter: string | undefined;
      for (;;) {
        const page = await listInvoices(
          startingAfter === undefined ? { limit: o.pageSize ?? 100 } : { limit: o.pageSize ?? 100, startingAfter },
          o,
        );
        if (page.invoices.length > 0) yield page.invoices;
        const next = page.nextAfter;
        if (!page.has_more || next === undefined || next === startingAfter) return;
        startingAfter = next;
      }
    },

    async getInvoice(invoiceId: string, o?: CallOptions): Promise<InvoiceResponse> {
      return http.json({ method: 'GET', path: `/api/v1/billing/invoices/${seg(invoiceId)}`, ...sig(o) }, invoiceSchema);
    },

    downloadInvoice,

    /**
     * Asks for the invoice's PDF link, then downloads it. The link is on another
     * host (signed storage URL), so no credentials are sent with the download.
     */
    async fetchInvoicePdf(
      invoiceId: string,
      o: CallOptions & { onProgress?: (p: DownloadProgress) => void; toFile?: string } = {},
    ): Promise<InvoicePdf> {
      const { url } = await downloadInvoice(invoiceId, o);
      const res = await http.download(url, {
        ...sig(o),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        ...(o.toFile === undefined ? {} : { toFile: o.toFile }),
        maxBytes: PDF_MAX_BYTES,
      });
      const head = res.file === undefined ? res.bytes.subarray(0, 5) : await readHead(res.file, 5);
      if (new TextDecoder().decode(head) !== '%PDF-') {
        if (res.file !== undefined) await fs.rm(res.file, { force: true });
        throw new AppError('invalid_response', `The invoice file from ${PROVIDER} is not a PDF.`);
      }
      const out: InvoicePdf = { bytes: res.bytes, size: res.size, url: res.finalUrl };
      if (res.file !== undefined) out.file = res.file;
      if (res.contentType !== undefined) out.contentType = res.contentType;
      if (res.suggestedName !== undefined) out.suggestedName = res.suggestedName;
      return out;
    },

    async createSetupIntent(o?: CallOptions): Promise<{ client_secret: string }> {
      return http.json({ method: 'POST', path: '/api/v1/billing/create-setup-intent', ...sig(o) }, setupIntentSchema);
    },

    async previewPlanChange(newPlanId: string, o?: CallOptions): Promise<PlanChangePreviewResponse> {
      const body = { new_plan_id: newPlanId };
      return http.json({ method: 'POST', path: '/api/v1/billing/preview-plan-change', body, ...sig(o) }, planChangePreviewSchema);
    },

    async changePlan(newPlanId: string, o?: CallOptions): Promise<SubscriptionChangeResult> {
      return subscriptionAction('The plan was changed.', '/api/v1/billing/change-plan', { new_plan_id: newPlanId }, o);
    },

    /** The seed's v1.0.0 route, or v1.1.0's PUT /api/v1/subscriptions/cancel where the seed's is gone. */
    async cancelSubscription(o?: CallOptions): Promise<SubscriptionChangeResult> {
      return eitherVersion('cancel', o);
    },

    /** The seed's v1.0.0 route, or v1.1.0's PUT /api/v1/subscriptions/reactivate where the seed's is gone. */
    async reactivateSubscription(o?: CallOptions): Promise<SubscriptionChangeResult> {
      return eitherVersion('reactivate', o);
    },

    /** Which API version's cancel and reactivate routes this account answered to, once one has. */
    get subscriptionActionsVersion(): SubscriptionActionsVersion | undefined {
      return actionsVersion;
    },

    getCurrentSubscription,

    /** Public endpoint: sent without credentials. */
    async listPlans(o?: CallOptions): Promise<PlanResponse[]> {
      return http.json({ method: 'GET', path: '/api/v1/subscriptions/plans', anonymous: true, ...sig(o) }, planListSchema);
    },
  };
}
