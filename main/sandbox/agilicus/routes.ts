import type { Route, SandboxRequest, SandboxResponse } from '../kit';
import {
  currentQuantity,
  hasActiveSubscription,
  orgSlug,
  usageOf,
  type AgilicusState,
  type DirectoryOrg,
  type StoredAccount,
} from './data';
import type { TokenIssuer } from './tokens';

const DEFAULT_LIMIT = 500;

export function errorBody(status: number, code: string, message: string): SandboxResponse {
  return { status, json: { error_code: code, error_message: message } };
}

function renderOrg(org: DirectoryOrg): Record<string, unknown> {
  const state = org.adminState;
  const up = state === 'active';
  const out: Record<string, unknown> = {
    id: org.id,
    organisation: org.name,
    subdomain: `${orgSlug(org)}.agilicus.cloud`,
    name_slug: orgSlug(org),
    issuer: `https://auth.${org.domain}`,
    issuer_id: org.issuerId,
    external_id: '',
    contact_id: org.contactId,
    root_org_id: org.rootOrgId,
    all_users_group_id: org.groupIds.all,
    all_users_all_suborgs_group_id: org.groupIds.allSuborgs,
    all_users_direct_suborgs_group_id: org.groupIds.directSuborgs,
    auto_created_users_group_id: org.groupIds.autoCreated,
    auto_create: false,
    trust_on_first_use_duration: 86400,
    feature_flags: [
      { feature: 'saml_auth', enabled: true, setting: 'stable' },
      { feature: 'trusted_certs', enabled: org.activeUsers > 40, setting: 'beta' },
    ],
    admin_state: state,
    status: { all_up: up, admin_up: up, issuer_up: true, current_state: state },
  };
  if (org.parentId !== undefined) out['parent_id'] = org.parentId;
  if (org.billingAccountId !== undefined) out['billing_account_id'] = org.billingAccountId;
  return out;
}

function orgsOf(state: AgilicusState, accountId: string): DirectoryOrg[] {
  return [...state.orgs.values()].filter((o) => o.billingAccountId === accountId);
}

function renderAccount(
  state: AgilicusState,
  a: StoredAccount,
  want: { subscriptions: boolean; customer: boolean },
): Record<string, unknown> {
  const status: Record<string, unknown> = {
    orgs: orgsOf(state, a.id).map(renderOrg),
    products: a.products,
  };
  if (want.customer && a.customer !== undefined) status['customer'] = a.customer;
  if (want.subscriptions) status['subscriptions'] = a.subscriptions;
  return {
    metadata: { id: a.id, created: a.created, updated: a.updated },
    spec: { customer_id: a.customerId, dev_mode: a.devMode },
    status,
  };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; res: SandboxResponse };

/** The rows a listing answers: `limit` (default 500), at most `maxLimit`; the answer's `limit` says which. */
function parseLimit(q: URLSearchParams, maxLimit = Infinity): Parsed<number> {
  const raw = q.get('limit');
  if (raw === null) return { ok: true, value: Math.min(DEFAULT_LIMIT, maxLimit) };
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) {
    return { ok: false, res: errorBody(400, 'BAD_REQUEST', `limit must be a positive integer, got '${raw}'`) };
  }
  return { ok: true, value: Math.min(Number(raw), maxLimit) };
}

function parseFlag(q: URLSearchParams, name: string): Parsed<boolean> {
  const raw = q.get(name);
  if (raw === null) return { ok: true, value: false };
  const v = raw.toLowerCase();
  if (v === 'true' || v === 'false') return { ok: true, value: v === 'true' };
  return { ok: false, res: errorBody(400, 'BAD_REQUEST', `${name} must be true or false, got '${raw}'`) };
}

function parseWanted(q: URLSearchParams): Parsed<{ subscriptions: boolean; customer: boolean }> {
  const subs = parseFlag(q, 'get_subscription_data');
  if (!subs.ok) return subs;
  const customer = parseFlag(q, 'get_customer_data');
  if (!customer.ok) return customer;
  return { ok: true, value: { subscriptions: subs.value, customer: customer.value } };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The writable part of a BillingAccount body: spec.customer_id and spec.dev_mode. */
function parseSpec(body: unknown): Parsed<{ customerId: string; devMode: boolean }> {
  const bad = (msg: string): Parsed<never> => ({ ok: false, res: errorBody(400, 'BAD_REQUEST', msg) });
  if (!isRecord(body)) return bad('request body must be a BillingAccount object');
  const spec = body['spec'];
  if (!isRecord(spec)) return bad('spec is required');
  const customerId = spec['customer_id'];
  if (typeof customerId !== 'string' || customerId.trim() === '') return bad('spec.customer_id is required');
  if (customerId.length > 128) return bad('spec.customer_id is too long');
  const devMode = spec['dev_mode'] ?? false;
  if (typeof devMode !== 'boolean') return bad('spec.dev_mode must be a boolean');
  return { ok: true, value: { customerId, devMode } };
}

function accountNotFound(id: string): SandboxResponse {
  return errorBody(404, 'NOT_FOUND', `billing account ${id} does not exist`);
}

export function agilicusRoutes(state: AgilicusState, tokens: TokenIssuer, opts: { maxLimit?: number } = {}): Route[] {
  const authed =
    (handler: (req: SandboxRequest) => SandboxResponse) =>
    (req: SandboxRequest): SandboxResponse => {
      const auth = req.headers.authorization;
      const verdict = tokens.check(auth);
      if (!verdict.ok) {
        const res = errorBody(401, verdict.code, verdict.message);
        res.headers = {
          'WWW-Authenticate': `Bearer error="invalid_token", error_description="${verdict.message}"`,
        };
        return res;
      }
      return handler(req);
    };
  const nowIso = () => state.clock().toISOString();
  const account = (req: SandboxRequest) => state.accounts.get(req.params['billing_account_id'] ?? '');
  const customerTaken = (customerId: string, except?: string) =>
    [...state.accounts.values()].some((a) => a.customerId === customerId && a.id !== except);

  return [
    {
      method: 'GET',
      pattern: '/v1/billing_accounts',
      handler: authed((req) => {
        const limit = parseLimit(req.query, opts.maxLimit);
        if (!limit.ok) return limit.res;
        const want = parseWanted(req.query);
        if (!want.ok) return want.res;
        const orgId = req.query.get('org_id');
        const customerId = req.query.get('customer_id');
        const rows = [...state.accounts.values()]
          .filter((a) => customerId === null || a.customerId === customerId)
          .filter((a) => orgId === null || state.orgs.get(orgId)?.billingAccountId === a.id)
          .slice(0, limit.value)
          .map((a) => renderAccount(state, a, want.value));
        return { status: 200, json: { limit: limit.value, billing_accounts: rows } };
      }),
    },
    {
      method: 'POST',
      pattern: '/v1/billing_accounts',
      handler: authed((req) => {
        const spec = parseSpec(req.body);
        if (!spec.ok) return spec.res;
        if (customerTaken(spec.value.customerId)) {
          return errorBody(409, 'ALREADY_EXISTS', `a billing account for customer ${spec.value.customerId} already exists`);
        }
        const now = nowIso();
        const created: StoredAccount = {
          id: state.prng.id(22),
          created: now,
          updated: now,
          customerId: spec.value.customerId,
          devMode: spec.value.devMode,
          products: [],
          subscriptions: [],
          usage: [],
        };
        state.accounts.set(created.id, created);
        return { status: 201, json: renderAccount(state, created, { subscriptions: false, customer: false }) };
      }),
    },
    {
      method: 'GET',
      pattern: '/v1/billing_accounts/:billing_account_id',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        const want = parseWanted(req.query);
        if (!want.ok) return want.res;
        const orgId = req.query.get('org_id');
        if (orgId !== null && state.orgs.get(orgId)?.billingAccountId !== a.id) {
          return errorBody(404, 'NOT_FOUND', `billing account ${a.id} does not exist for organisation ${orgId}`);
        }
        return { status: 200, json: renderAccount(state, a, want.value) };
      }),
    },
    {
      method: 'PUT',
      pattern: '/v1/billing_accounts/:billing_account_id',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        const spec = parseSpec(req.body);
        if (!spec.ok) return spec.res;
        if (customerTaken(spec.value.customerId, a.id)) {
          return errorBody(409, 'ALREADY_EXISTS', `a billing account for customer ${spec.value.customerId} already exists`);
        }
        a.customerId = spec.value.customerId;
        a.devMode = spec.value.devMode;
        a.updated = nowIso();
        return { status: 200, json: renderAccount(state, a, { subscriptions: false, customer: false }) };
      }),
    },
    {
      method: 'DELETE',
      pattern: '/v1/billing_accounts/:billing_account_id',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        for (const org of orgsOf(state, a.id)) delete org.billingAccountId;
        state.accounts.delete(a.id);
        return { status: 204 };
      }),
    },
    {
      method: 'GET',
      pattern: '/v1/billing_accounts/:billing_account_id/orgs',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        const limit = parseLimit(req.query, opts.maxLimit);
        if (!limit.ok) return limit.res;
        const orgs = orgsOf(state, a.id).slice(0, limit.value).map(renderOrg);
        return { status: 200, json: { limit: limit.value, orgs } };
      }),
    },
    {
      method: 'POST',
      pattern: '/v1/billing_accounts/:billing_account_id/orgs',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        const orgId = isRecord(req.body) ? req.body['org_id'] : undefined;
        const org = typeof orgId === 'string' ? state.orgs.get(orgId) : undefined;
        if (org === undefined || org.adminState === 'deleted') {
          return errorBody(404, 'NOT_FOUND', `organisation ${typeof orgId === 'string' ? orgId : '(none given)'} does not exist`);
        }
        // An org belongs to one billing account: adding it here moves it.
        org.billingAccountId = a.id;
        a.updated = nowIso();
        return { status: 200, json: renderOrg(org) };
      }),
    },
    {
      method: 'DELETE',
      pattern: '/v1/billing_accounts/:billing_account_id/orgs/:org_id',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        const orgId = req.params['org_id'] ?? '';
        const org = state.orgs.get(orgId);
        if (org === undefined || org.billingAccountId !== a.id) {
          return errorBody(404, 'NOT_FOUND', `organisation ${orgId} is not in billing account ${a.id}`);
        }
        delete org.billingAccountId;
        a.updated = nowIso();
        return { status: 204 };
      }),
    },
    {
      method: 'GET',
      pattern: '/v1/billing_accounts/:billing_account_id/usage_records',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        const limit = parseLimit(req.query, opts.maxLimit);
        if (!limit.ok) return limit.res;
        const records = usageOf(state, a).slice(0, limit.value);
        return { status: 200, json: { limit: limit.value, usage_records: records } };
      }),
    },
    {
      method: 'POST',
      pattern: '/v1/billing_accounts/:billing_account_id/usage_records',
      handler: authed((req) => {
        const a = account(req);
        if (a === undefined) return accountNotFound(req.params['billing_account_id'] ?? '');
        if (req.body !== undefined && !isRecord(req.body)) {
          return errorBody(400, 'BAD_REQUEST', 'request body must be a BillingUsageRecord object');
        }
        const dryRun = req.body?.['dry_run'] ?? false;
        if (typeof dryRun !== 'boolean') return errorBody(400, 'BAD_REQUEST', 'dry_run must be a boolean');
        if (!hasActiveSubscription(a)) {
          return errorBody(400, 'NO_ACTIVE_SUBSCRIPTION', `billing account ${a.id} has no active subscription to record usage against`);
        }
        const record = {
          quantity: currentQuantity(state, a.id),
          timestamp: Math.floor(state.clock().getTime() / 1000),
        };
        if (!dryRun) usageOf(state, a).unshift(record);
        return { status: 201, json: { dry_run: dryRun, ...record } };
      }),
    },
  ];
}
