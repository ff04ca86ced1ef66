import { createHttpClient } from '../../http/client';
import { z } from 'zod';
import { AppError, readAfterWrite } from '../../http/errors';
import type { ApiRequest, AuthStrategy, HttpClientOptions, ProviderErrorParser } from '../../http/types';
import type { SessionStore } from '../session-store';
import {
  addUsageRecordResponseSchema,
  billingAccountSchema,
  listBillingAccountsResponseSchema,
  listOrgsResponseSchema,
  listUsageRecordsResponseSchema,
  organisationSchema,
  type AddUsageRecordResponse,
  type BillingAccount,
  type ListBillingAccountsResponse,
  type ListOrgsResponse,
  type ListUsageRecordsResponse,
  type Organisation,
} from './schemas';

export const AGILICUS_DEFAULT_BASE_URL = 'https://api.agilicus.com';

/** An OIDC access token the user got from their issuer (e.g. `agilicus-cli get-token`). */
export interface AgilicusCredentials {
  kind: 'token';
  accessToken: string;
}

/** The token in use, kept when the user pastes a newer one. */
export interface AgilicusSession {
  accessToken: string;
}

export const AGILICUS_TOKEN_REJECTED_MESSAGE =
  'Agilicus did not accept the access token: it has expired or is not valid. ' +
  'Get a new token from your Agilicus sign-in (for example `agilicus-cli get-token`) and paste it into the account settings.';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListBillingAccountsParams {
  limit?: number;
  orgId?: string;
  customerId?: string;
  getSubscriptionData?: boolean;
  getCustomerData?: boolean;
}

export interface GetBillingAccountParams {
  orgId?: string;
  getSubscriptionData?: boolean;
  getCustomerData?: boolean;
}

export interface BillingAccountInput {
  customerId: string;
  devMode?: boolean;
}

/** Reads Agilicus' `ErrorMessage {error_code, error_message}`. */
export const parseAgilicusError: ProviderErrorParser = (status, body) => {
  const out: ReturnType<ProviderErrorParser> = {};
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const code = b['error_code'] ?? b['code'];
    const message = b['error_message'] ?? b['message'];
    if (typeof code === 'string' && code !== '') out.providerCode = code.slice(0, 200);
    if (typeof message === 'string' && message !== '') out.providerMessage = message.slice(0, 1000);
  }
  // The API does not tell an expired token from a bad one; the strategy's renew decides.
  if (status === 401) out.expiredToken = true;
  return out;
};

export interface AgilicusAuth extends AuthStrategy {
  /** Switches to a token the user pasted and stores it in the session. */
  setAccessToken(token: string): Promise<void>;
  /** Error parser that also remembers why the last 401 happened, so `renew` can report it. */
  parseError: ProviderErrorParser;
}

/**
 * Bearer-token auth without a refresh flow. `renew` can only switch to a token
 * that is known but not yet tried (one saved to the session meanwhile, or the
 * configured credentials); otherwise the user must paste a new one.
 */
export function createAgilicusAuth(opts: {
  credentials: AgilicusCredentials;
  session?: SessionStore<AgilicusSession>;
}): AgilicusAuth {
  let current: string | undefined;
  const rejected = new Set<string>();
  // The HTTP client calls renew right after parsing the 401, in the same tick, so this is that 401's reason.
  let lastRejection: ReturnType<ProviderErrorParser> = {};

  const candidates = async (): Promise<string[]> => {
    const saved = await opts.session?.load();
    const list = [saved?.accessToken, opts.credentials.accessToken];
    return list.filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  };

  return {
    async headers() {
      if (current === undefined) {
        current = (await candidates())[0];
        if (current === undefined) throw new AppError('auth_failed', 'No Agilicus access token is set. Paste a token into the account settings.');
      }
      return { Authorization: `Bearer ${current}` };
    },
    parseError(status, body) {
      const info = parseAgilicusError(status, body);
      if (status === 401) lastRejection = info;
      return info;
    },
    async renew() {
      const why = lastRejection;
      lastRejection = {};
      if (current !== undefined) rejected.add(current);
      const next = (await candidates()).find((t) => !rejected.has(t));
      if (next === undefined) {
        const extra: ConstructorParameters<typeof AppError>[2] = { status: 401 };
        if (why.providerCode !== undefined) extra.providerCode = why.providerCode;
        if (why.providerMessage !== undefined) extra.providerMessage = why.providerMessage;
        throw new AppError('auth_failed', AGILICUS_TOKEN_REJECTED_MESSAGE, extra);
      }
      current = next;
    },
    async setAccessToken(token) {
      const trimmed = token.trim();
      if (trimmed === '') throw new AppError('validation', 'The access token is empty.');
      current = trimmed;
      rejected.clear();
      await opts.session?.save({ accessToken: trimmed });
    },
  };
}

const seg = (id: string) => encodeURIComponent(id);

const ADDED_ORG = 'The organisation was added.';
const CREATED = 'The billing account was created.';
const CHANGED = 'The billing account was changed.';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why an answer could not be read, in the words `http.json` uses. */
function shapeError(error: z.ZodError): AppError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const summary = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ');
  return new AppError('invalid_response', `Agilicus sent data in an unexpected shape: ${summary}.`, { issues });
}

export function createAgilicusClient(opts: {
  /** AGILICUS_DEFAULT_BASE_URL for the hosted service. */
  baseUrl: string;
  credentials: AgilicusCredentials;
  session?: SessionStore<AgilicusSession>;
  http?: Partial<HttpClientOptions>;
}) {
  const authOpts: Parameters<typeof createAgilicusAuth>[0] = { credentials: opts.credentials };
  if (opts.session !== undefined) authOpts.session = opts.session;
  const auth = createAgilicusAuth(authOpts);
  const http = createHttpClient({
    provider: 'Agilicus',
    parseError: auth.parseError,
    auth,
    ...opts.http,
    baseUrl: opts.baseUrl,
  });

  /** Every rejected-token outcome ends in the same advice: paste a new token. */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (
        e instanceof AppError &&
        e.status === 401 &&
        (e.code === 'auth_failed' || e.code === 'auth_expired') &&
        e.message !== AGILICUS_TOKEN_REJECTED_MESSAGE
      ) {
        const extra: ConstructorParameters<typeof AppError>[2] = { cause: e };
        if (e.status !== undefined) extra.status = e.status;
        if (e.providerCode !== undefined) extra.providerCode = e.providerCode;
        if (e.providerMessage !== undefined) extra.providerMessage = e.providerMessage;
        throw new AppError('auth_failed', AGILICUS_TOKEN_REJECTED_MESSAGE, extra);
      }
      throw e;
    }
  }

  /**
   * Sends a write and answers its JSON body unread. A 2xx body that is not JSON is reported as a
   * write that went through (`done`), since it did; without `done` (a dry run) it is a plain failure.
   */
  async function written(done: string | undefined, req: ApiRequest): Promise<unknown> {
    try {
      return await call(() => http.json(req, z.unknown()));
    } catch (e) {
      if (done !== undefined && e instanceof AppError && e.code === 'invalid_response' && e.status === undefined) {
        return readAfterWrite(done, () => Promise.reject(e));
      }
      throw e;
    }
  }

  const accountBody = (input: BillingAccountInput) => ({
    spec: { customer_id: input.customerId, dev_mode: input.devMode ?? false },
  });

  const client = {
    listBillingAccounts(params: ListBillingAccountsParams = {}, o: CallOptions = {}): Promise<ListBillingAccountsResponse> {
      return call(() =>
        http.json(
          {
            method: 'GET',
            path: '/v1/billing_accounts',
            query: {
              limit: params.limit,
              org_id: params.orgId,
              customer_id: params.customerId,
              get_subscription_data: params.getSubscriptionData,
              get_customer_data: params.getCustomerData,
            },
            ...signalOf(o),
          },
          listBillingAccountsResponseSchema,
        ),
      );
    },

    getBillingAccount(id: string, params: GetBillingAccountParams = {}, o: CallOptions = {}): Promise<BillingAccount> {
      return call(() =>
        http.json(
          {
            method: 'GET',
            path: `/v1/billing_accounts/${seg(id)}`,
            query: {
              org_id: params.orgId,
              get_subscription_data: params.getSubscriptionData,
              get_customer_data: params.getCustomerData,
            },
            ...signalOf(o),
          },
          billingAccountSchema,
        ),
      );
    },

    /**
     * Every field of the answer is optional in the API. One without a readable id is replaced by
     * the account read back by its customer id (one account per customer).
     */
    async createBillingAccount(input: BillingAccountInput, o: CallOptions = {}): Promise<BillingAccount> {
      const body = await written(CREATED, { method: 'POST', path: '/v1/billing_accounts', body: accountBody(input), ...signalOf(o) });
      const parsed = billingAccountSchema.safeParse(body);
      if (parsed.success) return parsed.data;
      return readAfterWrite(CREATED, async () => {
        const found = ((await client.listBillingAccounts({ customerId: input.customerId }, o)).billing_accounts ?? []).filter(
          (a) => a.spec?.customer_id === input.customerId,
        );
        if (found.length !== 1 || found[0] === undefined) throw shapeError(parsed.error);
        return found[0];
      });
    },

    /** An answer that cannot be read is replaced by the account read back. */
    async replaceBillingAccount(id: string, input: BillingAccountInput, o: CallOptions = {}): Promise<BillingAccount> {
      const body = await written(CHANGED, { method: 'PUT', path: `/v1/billing_accounts/${seg(id)}`, body: accountBody(input), ...signalOf(o) });
      const parsed = billingAccountSchema.safeParse(body);
      if (parsed.success) return parsed.data;
      return readAfterWrite(CHANGED, () => client.getBillingAccount(id, {}, o));
    },

    async deleteBillingAccount(id: string, o: CallOptions = {}): Promise<void> {
      await call(() => http.send({ method: 'DELETE', path: `/v1/billing_accounts/${seg(id)}`, ...signalOf(o) }));
    },

    getBillingAccountOrgs(id: string, params: { limit?: number } = {}, o: CallOptions = {}): Promise<ListOrgsResponse> {
      return call(() =>
        http.json(
          { method: 'GET', path: `/v1/billing_accounts/${seg(id)}/orgs`, query: { limit: params.limit }, ...signalOf(o) },
          listOrgsResponseSchema,
        ),
      );
    },

    /**
     * The answer's `id` is optional (read-only) in the API, so the id that was sent stands in for it.
     * An answer that still cannot be read is replaced by the org as the account lists it.
     */
    async addOrgToBillingAccount(id: string, orgId: string, o: CallOptions = {}): Promise<Organisation> {
      const body = await written(ADDED_ORG, { method: 'POST', path: `/v1/billing_accounts/${seg(id)}/orgs`, body: { org_id: orgId }, ...signalOf(o) });
      const sent = isRecord(body) ? body : {};
      const parsed = organisationSchema.safeParse({ ...sent, id: typeof sent['id'] === 'string' && sent['id'] !== '' ? sent['id'] : orgId });
      if (parsed.success) return parsed.data;
      return readAfterWrite(ADDED_ORG, async () => {
        const orgs = (await client.getBillingAccountOrgs(id, {}, o)).orgs ?? [];
        const found = orgs.find((org) => org.id === orgId);
        if (found === undefined) throw shapeError(parsed.error);
        return found;
      });
    },

    async removeOrgFromBillingAccount(id: string, orgId: string, o: CallOptions = {}): Promise<void> {
      await call(() =>
        http.send({ method: 'DELETE', path: `/v1/billing_accounts/${seg(id)}/orgs/${seg(orgId)}`, ...signalOf(o) }),
      );
    },

    getUsageRecords(id: string, params: { limit?: number } = {}, o: CallOptions = {}): Promise<ListUsageRecordsResponse> {
      return call(() =>
        http.json(
          { method: 'GET', path: `/v1/billing_accounts/${seg(id)}/usage_records`, query: { limit: params.limit }, ...signalOf(o) },
          listUsageRecordsResponseSchema,
        ),
      );
    },

    /** Undefined when a newer API answers 204 (nothing to record). */
    async addBillingUsageRecord(
      id: string,
      params: { dryRun?: boolean } = {},
      o: CallOptions = {},
    ): Promise<AddUsageRecordResponse | undefined> {
      const done = params.dryRun === true ? undefined : 'The usage record was added.';
      const body = await written(done, {
        method: 'POST',
        path: `/v1/billing_accounts/${seg(id)}/usage_records`,
        body: { dry_run: params.dryRun ?? false },
        ...signalOf(o),
      });
      const parsed = addUsageRecordResponseSchema.optional().safeParse(body);
      if (parsed.success) return parsed.data;
      if (done === undefined) throw shapeError(parsed.error);
      return readAfterWrite(done, () => Promise.reject(shapeError(parsed.error)));
    },

    /** One cheap authenticated read. */
    async testConnection(o: CallOptions = {}): Promise<{ ok: true; billingAccounts: number }> {
      const res = await client.listBillingAccounts({ limit: 1 }, o);
      return { ok: true, billingAccounts: res.billing_accounts?.length ?? 0 };
    },

    setAccessToken: (token: string) => auth.setAccessToken(token),
  };
  return client;
}

export type AgilicusClient = ReturnType<typeof createAgilicusClient>;

function signalOf(o: CallOptions): { signal?: AbortSignal } {
  return o.signal === undefined ? {} : { signal: o.signal };
}
