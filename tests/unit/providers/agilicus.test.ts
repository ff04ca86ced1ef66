import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argSchemas } from '../../../contract';
import {
  AGILICUS_DEFAULT_BASE_URL,
  AGILICUS_TOKEN_REJECTED_MESSAGE,
  createAgilicusClient,
  type AgilicusClient,
  type AgilicusSession,
} from '../../../main/providers/agilicus/client';
import { mapAddUsageRecord, mapBillingAccount, toIso } from '../../../main/providers/agilicus/map';
import { addUsageRecordResponseSchema, billingAccountSchema } from '../../../main/providers/agilicus/schemas';
import { memorySessionStore, type SessionStore } from '../../../main/providers/session-store';
import type { ServiceContext } from '../../../main/router/types';
import { startAgilicusSandbox, type AgilicusSandbox } from '../../../main/sandbox/agilicus';
import { createAgilicusHandlers } from '../../../main/services/agilicus';
import { failure } from '../../support/errors';

const NOW = new Date('2025-03-14T10:00:00Z');
const FAST_HTTP = {
  retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 20 },
  connectTimeoutMs: 10_000,
  totalTimeoutMs: 10_000,
};

let sb: AgilicusSandbox;
let client: AgilicusClient;

function makeClient(token = sb.credentials.accessToken, session?: SessionStore<AgilicusSession>): AgilicusClient {
  return createAgilicusClient({
    baseUrl: sb.apiUrl,
    credentials: { kind: 'token', accessToken: token },
    ...(session === undefined ? {} : { session }),
    http: FAST_HTTP,
  });
}


beforeEach(async () => {
  sb = await startAgilicusSandbox({ seed: 7, now: NOW });
  client = makeClient();
});

afterEach(async () => {
  await sb.close();
});

async function accounts() {
  const res = await client.listBillingAccounts({ getCustomerData: true, getSubscriptionData: true });
  const all = res.billing_accounts ?? [];
  const byStatus = (s: string) => {
    const a = all.find((x) => x.status?.subscriptions?.some((sub) => sub.status === s));
    if (a === undefined) throw new Error(`no account with a ${s} subscription`);
    return a;
  };
  return { all, active: byStatus('active'), trialing: byStatus('trialing'), canceled: byStatus('canceled') };
}

describe('agilicus sandbox', () => {
  it('starts fast and is deterministic for a seed', async () => {
    const t0 = performance.now();
    const other = await startAgilicusSandbox({ seed: 7, now: NOW });
    expect(performance.now() - t0).toBeLessThan(300);
    expect([...other.state.accounts.keys()]).toEqual([...sb.state.accounts.keys()]);
    await other.close();
    expect(AGILICUS_DEFAULT_BASE_URL).toBe('https://api.agilicus.com');
  });

  it('seeds three realistic billing accounts, one in dev mode, and unattached orgs in the directory', async () => {
    const { all } = await accounts();
    expect(all).toHaveLength(3);
    expect(all.filter((a) => a.spec?.dev_mode === true)).toHaveLength(1);
    for (const a of all) {
      expect(a.metadata.id).toMatch(/^[A-Za-z0-9]{22}$/);
      expect(Date.parse(a.metadata.created ?? '')).toBeLessThan(NOW.getTime());
      expect(a.spec?.customer_id).toMatch(/^cus_/);
      expect(a.status?.customer?.email).toMatch(/@/);
      expect(a.status?.products?.length).toBeGreaterThan(0);
      for (const org of a.status?.orgs ?? []) {
        expect(org.name_slug?.length).toBeLessThanOrEqual(20);
        expect(org.billing_account_id).toBe(a.metadata.id);
        expect(org.status?.current_state).toBe(org.admin_state);
      }
    }
    expect(sb.directoryOrgIds().filter((o) => o.billingAccountId === undefined).length).toBeGreaterThanOrEqual(2);
  });
});

describe('billing accounts', () => {
  it('lists with the default limit echoed and leaves customer and subscriptions out unless asked', async () => {
    const res = await client.listBillingAccounts();
    expect(res.limit).toBe(500);
    expect(res.billing_accounts).toHaveLength(3);
    for (const a of res.billing_accounts ?? []) {
      expect(a.status?.customer).toBeUndefined();
      expect(a.status?.subscriptions).toBeUndefined();
    }
    const two = await client.listBillingAccounts({ limit: 2, getCustomerData: true });
    expect(two.limit).toBe(2);
    expect(two.billing_accounts).toHaveLength(2);
    expect(two.billing_accounts?.[0]?.status?.customer?.name).toBeTruthy();
    expect(two.billing_accounts?.[0]?.status?.subscriptions).toBeUndefined();
  });

  it('filters by customer_id and org_id', async () => {
    const { active } = await accounts();
    const byCustomer = await client.listBillingAccounts({ customerId: active.spec?.customer_id ?? '' });
    expect(byCustomer.billing_accounts?.map((a) => a.metadata.id)).toEqual([active.metadata.id]);
    const orgId = active.status?.orgs?.[0]?.id ?? '';
    const byOrg = await client.listBillingAccounts({ orgId });
    expect(byOrg.billing_accounts?.map((a) => a.metadata.id)).toEqual([active.metadata.id]);
    expect((await client.listBillingAccounts({ customerId: 'cus_nobody' })).billing_accounts).toEqual([]);
  });

  it('gets one account, with subscription data only when asked', async () => {
    const { active } = await accounts();
    const plain = await client.getBillingAccount(active.metadata.id);
    expect(plain.status?.subscriptions).toBeUndefined();
    const full = await client.getBillingAccount(active.metadata.id, { getSubscriptionData: true, getCustomerData: true });
    const sub = full.status?.subscriptions?.[0];
    expect(sub?.status).toBe('active');
    expect(typeof sub?.current_period_end).toBe('number');
    expect(full.status?.customer?.name).toBe('Northwind Logistics Inc.');

    const model = mapBillingAccount(full);
    expect(model.subscriptions?.[0]?.unitPrice).toEqual({ minor: 600, currency: 'CAD' });
    expect(model.subscriptions?.[0]?.currentPeriodEnd).toMatch(/^2025-03-31T/);
    expect(model.orgs.map((o) => o.name)).toContain('Northwind Logistics');
  });

  it('answers 404 for an org_id that is not in the account', async () => {
    const { active, trialing } = await accounts();
    const otherOrg = trialing.status?.orgs?.[0]?.id ?? '';
    const e = await failure(client.getBillingAccount(active.metadata.id, { orgId: otherOrg }));
    expect(e.code).toBe('not_found');
  });

  it('creates an account (201), refuses a duplicate customer (409) and a bad body (400)', async () => {
    const created = await client.createBillingAccount({ customerId: 'cus_Q2xNewCustomer01', devMode: true });
    expect(created.spec).toEqual({ customer_id: 'cus_Q2xNewCustomer01', dev_mode: true });
    expect(created.status?.orgs).toEqual([]);
    expect(sb.server.exchanges.at(-1)?.status).toBe(201);

    const dup = await failure(client.createBillingAccount({ customerId: 'cus_Q2xNewCustomer01' }));
    expect(dup.code).toBe('conflict');
    expect(dup.providerCode).toBe('ALREADY_EXISTS');
    expect(dup.providerMessage).toContain('cus_Q2xNewCustomer01');

    const bad = await failure(client.createBillingAccount({ customerId: '' }));
    expect(bad.code).toBe('validation');
    expect(bad.status).toBe(400);
    expect(bad.providerMessage).toBe('spec.customer_id is required');
  });

  it('replaces an account (200) and answers 404 for an unknown one', async () => {
    const { trialing } = await accounts();
    const res = await client.replaceBillingAccount(trialing.metadata.id, { customerId: 'cus_ReplacedCust01', devMode: false });
    expect(res.spec).toEqual({ customer_id: 'cus_ReplacedCust01', dev_mode: false });
    expect(Date.parse(res.metadata.updated ?? '')).toBeGreaterThanOrEqual(NOW.getTime());
    const again = await client.getBillingAccount(trialing.metadata.id);
    expect(again.spec?.customer_id).toBe('cus_ReplacedCust01');
    expect((await failure(client.replaceBillingAccount('missing', { customerId: 'cus_x' }))).code).toBe('not_found');
  });

  it('deletes an account (204), which frees its orgs, and answers 404 afterwards', async () => {
    const { canceled } = await accounts();
    const orgIds = (canceled.status?.orgs ?? []).map((o) => o.id);
    // The cancelled account holds one org (Cedar Valley), which must be freed below.
    expect(orgIds).toHaveLength(1);
    expect(sb.directoryOrgIds().filter((o) => orgIds.includes(o.id)).map((o) => o.billingAccountId)).toEqual([canceled.metadata.id]);
    await client.deleteBillingAccount(canceled.metadata.id);
    expect(sb.server.exchanges.at(-1)?.status).toBe(204);
    expect((await failure(client.getBillingAccount(canceled.metadata.id))).code).toBe('not_found');
    expect((await failure(client.deleteBillingAccount(canceled.metadata.id))).code).toBe('not_found');
    const dir = sb.directoryOrgIds().filter((o) => orgIds.includes(o.id));
    expect(dir).toHaveLength(orgIds.length);
    expect(dir.every((o) => o.billingAccountId === undefined)).toBe(true);
  });
});

describe('orgs of a billing account', () => {
  it('lists, adds an unattached org (200 Organisation) and removes it (204)', async () => {
    const { active } = await accounts();
    const listed = await client.getBillingAccountOrgs(active.metadata.id);
    expect(listed.limit).toBe(500);
    expect(listed.orgs?.map((o) => o.organisation)).toEqual(['Northwind Logistics', 'Northwind Warehouse Ops']);
    expect(listed.orgs?.[1]?.parent_id).toBe(listed.orgs?.[0]?.id);

    const spare = sb.directoryOrgIds().find((o) => o.billingAccountId === undefined);
    if (spare === undefined) throw new Error('no unattached org');
    const added = await client.addOrgToBillingAccount(active.metadata.id, spare.id);
    expect(added).toMatchObject({ id: spare.id, organisation: spare.name, billing_account_id: active.metadata.id });
    expect((await client.getBillingAccountOrgs(active.metadata.id)).orgs).toHaveLength(3);
    expect((await client.getBillingAccountOrgs(active.metadata.id, { limit: 1 })).orgs).toHaveLength(1);

    await client.removeOrgFromBillingAccount(active.metadata.id, spare.id);
    expect(sb.server.exchanges.at(-1)?.status).toBe(204);
    expect((await client.getBillingAccountOrgs(active.metadata.id)).orgs).toHaveLength(2);
    expect((await failure(client.removeOrgFromBillingAccount(active.metadata.id, spare.id))).code).toBe('not_found');
  });

  it('answers 404 when the account or the org does not exist', async () => {
    const { active } = await accounts();
    const noOrg = await failure(client.addOrgToBillingAccount(active.metadata.id, 'NoSuchOrg'));
    expect(noOrg.code).toBe('not_found');
    expect(noOrg.providerMessage).toBe('organisation NoSuchOrg does not exist');
    const spare = sb.directoryOrgIds().find((o) => o.billingAccountId === undefined)?.id ?? '';
    expect((await failure(client.addOrgToBillingAccount('NoSuchAccount', spare))).code).toBe('not_found');
    expect((await failure(client.getBillingAccountOrgs('NoSuchAccount'))).code).toBe('not_found');
  });
});

describe('usage records', () => {
  it('lists a year of daily records, newest first, with the limit echoed', async () => {
    const { active } = await accounts();
    const res = await client.getUsageRecords(active.metadata.id);
    expect(res.limit).toBe(500);
    const recs = res.usage_records ?? [];
    expect(recs).toHaveLength(365);
    const first = recs[0]?.timestamp as number;
    expect(first).toBe(Date.UTC(2025, 2, 13) / 1000);
    expect((recs[1]?.timestamp as number) - first).toBe(-86_400);
    expect(recs.every((r) => typeof r.quantity === 'number' && r.quantity >= 0)).toBe(true);

    const week = await client.getUsageRecords(active.metadata.id, { limit: 7 });
    expect(week.limit).toBe(7);
    expect(week.usage_records).toEqual(recs.slice(0, 7));
  });

  it('follows scale.usageRecords', async () => {
    const big = await startAgilicusSandbox({ seed: 7, now: NOW, scale: { usageRecords: 2000 } });
    try {
      const c = createAgilicusClient({ baseUrl: big.apiUrl, credentials: big.credentials, http: FAST_HTTP });
      const id = [...big.state.accounts.keys()][0] ?? '';
      expect((await c.getUsageRecords(id)).usage_records).toHaveLength(500);
      expect((await c.getUsageRecords(id, { limit: 5000 })).usage_records).toHaveLength(2000);
    } finally {
      await big.close();
    }
  });

  it('adds a record with a server-computed quantity; a dry run stores nothing', async () => {
    const { active } = await accounts();
    const before = (await client.getUsageRecords(active.metadata.id)).usage_records?.length ?? 0;

    const dry = await client.addBillingUsageRecord(active.metadata.id, { dryRun: true });
    expect(sb.server.exchanges.at(-1)?.status).toBe(201);
    expect(dry).toMatchObject({ dry_run: true, quantity: 46 + 17 });
    const ts = dry && 'timestamp' in dry ? (dry.timestamp as number) : 0;
    expect(Math.abs(ts - NOW.getTime() / 1000)).toBeLessThan(60);
    expect((await client.getUsageRecords(active.metadata.id)).usage_records).toHaveLength(before);

    const real = await client.addBillingUsageRecord(active.metadata.id);
    expect(mapAddUsageRecord(real, false)).toMatchObject({ recorded: true, dryRun: false, records: [{ quantity: 63 }] });
    const after = (await client.getUsageRecords(active.metadata.id)).usage_records ?? [];
    expect(after).toHaveLength(before + 1);
    expect(after[0]?.quantity).toBe(63);
  });

  it('answers 400 with the provider message when the account has no active subscription', async () => {
    const { canceled } = await accounts();
    const e = await failure(client.addBillingUsageRecord(canceled.metadata.id));
    expect(e.code).toBe('validation');
    expect(e.providerCode).toBe('NO_ACTIVE_SUBSCRIPTION');
    expect(e.providerMessage).toContain('no active subscription');
    expect((await failure(client.getUsageRecords('NoSuchAccount'))).code).toBe('not_found');
  });

  it('reads the newer CreateBillingUsageRecords answer and other shape variants', () => {
    const newer = addUsageRecordResponseSchema.parse({ dry_run: false, usage_records: [{ quantity: 5, timestamp: 1741910400 }] });
    expect(mapAddUsageRecord(newer, false)).toEqual({
      recorded: true,
      dryRun: false,
      records: [{ quantity: 5, timestamp: '2025-03-14T00:00:00.000Z', date: '2025-03-14' }],
    });
    expect(mapAddUsageRecord(undefined, false)).toEqual({ recorded: false, dryRun: false, records: [] });
    expect(toIso(1741910400000)).toBe('2025-03-14T00:00:00.000Z');
    expect(toIso('2025-03-14T00:00:00Z')).toBe('2025-03-14T00:00:00.000Z');

    const account = billingAccountSchema.parse({
      metadata: { id: 'abc' },
      status: {
        subscriptions: [{ id: 'sub_1', status: 'past_due', plan: 'price_123', current_period_end: '2025-04-01T00:00:00Z', extra: 1 }],
        orgs: [{ id: 'o1', admin_state: 'archived', unknown_field: true }],
      },
      spec: null,
    });
    const m = mapBillingAccount(account);
    expect(m.subscriptions?.[0]).toMatchObject({ status: 'past_due', planName: 'price_123', unitPrice: null });
    expect(m.orgs[0]).toMatchObject({ id: 'o1', name: 'o1', adminState: 'archived' });
    expect(m.customer).toBeNull();
    expect(() => billingAccountSchema.parse({ spec: {} })).toThrow();
  });
});

describe('auth', () => {
  it('sends the bearer token and answers 401 with an ErrorMessage without one', async () => {
    await client.testConnection();
    expect(sb.server.exchanges.at(-1)?.requestHeaders.authorization).toBe(`Bearer ${sb.credentials.accessToken}`);
    const res = await fetch(`${sb.apiUrl}/v1/billing_accounts`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await res.json()).toEqual({ error_code: 'UNAUTHORIZED', error_message: expect.any(String) });
  });

  it('rejects a forged token with auth_failed telling the user to paste a new one', async () => {
    const [h, p] = sb.credentials.accessToken.split('.');
    const forged = makeClient(`${h}.${p}.AAAA`);
    const e = await failure(forged.testConnection());
    expect(e.code).toBe('auth_failed');
    expect(e.message).toBe(AGILICUS_TOKEN_REJECTED_MESSAGE);
    expect(e.message).not.toContain(sb.credentials.accessToken);
    expect(e.providerCode).toBe('INVALID_TOKEN');
  });

  it('an expired token fails once (no refresh exists) until a new token is pasted', async () => {
    const session = memorySessionStore<AgilicusSession>();
    const c = makeClient(sb.credentials.accessToken, session);
    await c.testConnection();
    sb.expireTokens();
    const before = sb.server.exchanges.length;
    const e = await failure(c.listBillingAccounts());
    expect(e.code).toBe('auth_failed');
    expect(e.message).toContain('paste it');
    expect(e.providerCode).toBe('TOKEN_EXPIRED');
    expect(sb.server.exchanges.length - before).toBe(1);

    const fresh = sb.issueToken();
    await c.setAccessToken(fresh);
    expect(await session.load()).toEqual({ accessToken: fresh });
    await expect(c.testConnection()).resolves.toMatchObject({ ok: true });
  });

  it('renews transparently to a token saved to the session meanwhile', async () => {
    const session = memorySessionStore<AgilicusSession>();
    const c = makeClient(sb.credentials.accessToken, session);
    await c.testConnection();
    sb.expireTokens();
    await session.save({ accessToken: sb.issueToken() });
    const before = sb.server.exchanges.length;
    const res = await c.listBillingAccounts();
    expect(res.billing_accounts).toHaveLength(3);
    expect(sb.server.exchanges.slice(before).map((x) => x.status)).toEqual([401, 200]);
  });
});

describe('faults', () => {
  it('retries a GET after 429 with Retry-After, then succeeds', async () => {
    sb.server.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 }]);
    const res = await client.listBillingAccounts();
    expect(res.billing_accounts).toHaveLength(3);
    expect(sb.server.exchanges.map((x) => x.status)).toEqual([429, 200]);
  });

  it.each([500, 503])('retries a GET after %i', async (status) => {
    sb.server.setFaults([{ kind: 'status', status, times: 2 }]);
    const id = [...sb.state.accounts.keys()][0] ?? '';
    await client.getUsageRecords(id, { limit: 3 });
    expect(sb.server.exchanges.map((x) => x.status)).toEqual([status, status, 200]);
  });

  it('reports server after the retries of a GET run out, with the provider body', async () => {
    sb.server.setFaults([{ kind: 'status', status: 503 }]);
    const e = await failure(client.listBillingAccounts());
    expect(e.code).toBe('server');
    expect(e.providerCode).toBe('HTTP_503');
    expect(sb.server.exchanges).toHaveLength(3);
  });

  it('does not retry POST, PUT or DELETE', async () => {
    const id = [...sb.state.accounts.keys()][0] ?? '';
    const calls: [string, () => Promise<unknown>][] = [
      ['POST', () => client.createBillingAccount({ customerId: 'cus_NoRetry' })],
      ['POST', () => client.addBillingUsageRecord(id, { dryRun: true })],
      ['POST', () => client.addOrgToBillingAccount(id, 'x')],
      ['PUT', () => client.replaceBillingAccount(id, { customerId: 'cus_NoRetry2' })],
      ['DELETE', () => client.deleteBillingAccount(id)],
      ['DELETE', () => client.removeOrgFromBillingAccount(id, 'x')],
    ];
    for (const [method, call] of calls) {
      sb.server.exchanges.length = 0;
      sb.server.setFaults([{ kind: 'status', status: 503 }]);
      const e = await failure(call());
      expect(e.code).toBe('server');
      expect(sb.server.exchanges).toHaveLength(1);
      expect(sb.server.exchanges[0]?.method).toBe(method);
    }
    sb.server.clearFaults();
    expect((await client.getBillingAccount(id)).spec?.customer_id).not.toMatch(/NoRetry/);
  });

  it('times out on a hang', async () => {
    sb.server.setFaults([{ kind: 'hang' }]);
    const e = await failure(createAgilicusClient({
      baseUrl: sb.apiUrl,
      credentials: sb.credentials,
      http: { ...FAST_HTTP, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, totalTimeoutMs: 200 },
    }).listBillingAccounts());
    expect(e.code).toBe('timeout');
  });

  it.each(['malformed_json', 'truncated_body'] as const)('reports invalid_response on %s', async (kind) => {
    sb.server.setFaults([{ kind }]);
    const e = await failure(client.listBillingAccounts());
    expect(e.code).toBe('invalid_response');
  });

  it('reports invalid_response when a usage record answer is not JSON', async () => {
    const id = [...sb.state.accounts.keys()][0] ?? '';
    sb.server.setFaults([{ kind: 'malformed_json' }]);
    expect((await failure(client.addBillingUsageRecord(id, { dryRun: true }))).code).toBe('invalid_response');
  });

  it('reports cancelled when the caller aborts', async () => {
    sb.server.setFaults([{ kind: 'latency', latencyMs: 200 }]);
    const ac = new AbortController();
    const p = client.listBillingAccounts({}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await failure(p)).code).toBe('cancelled');
  });

  it('unknown ids give not_found on every operation that takes one', async () => {
    const ops = [
      () => client.getBillingAccount('Nope'),
      () => client.replaceBillingAccount('Nope', { customerId: 'cus_z' }),
      () => client.deleteBillingAccount('Nope'),
      () => client.getBillingAccountOrgs('Nope'),
      () => client.addOrgToBillingAccount('Nope', 'x'),
      () => client.removeOrgFromBillingAccount('Nope', 'x'),
      () => client.getUsageRecords('Nope'),
      () => client.addBillingUsageRecord('Nope'),
    ];
    for (const op of ops) {
      const e = await failure(op());
      expect(e.code).toBe('not_found');
      expect(e.providerMessage).toMatch(/does not exist|is not in/);
    }
  });
});

describe('answers the API allows but the sandbox does not send', () => {
  const ctx: ServiceContext = { events: { emit: () => undefined } };
  const handlers = () => createAgilicusHandlers(() => Promise.resolve(client));
  const spareOrg = () => {
    const spare = sb.directoryOrgIds().find((o) => o.billingAccountId === undefined);
    if (spare === undefined) throw new Error('no unattached org');
    return spare;
  };

  it('adding an org whose answer has no id (optional, read-only) shows the org that was added', async () => {
    const { active } = await accounts();
    const spare = spareOrg();
    sb.server.setFaults([{ kind: 'patch', method: 'POST', path: '/v1/billing_accounts/', pointer: '/id', value: undefined, times: 1 }]);
    const org = await handlers()['agilicus.addOrgToBillingAccount'](
      argSchemas['agilicus.addOrgToBillingAccount'].parse({ accountId: 'a', billingAccountId: active.metadata.id, orgId: spare.id }),
      ctx,
    );
    expect(sb.server.exchanges.at(-1)?.responseBody).not.toHaveProperty('id');
    expect(org).toMatchObject({ id: spare.id, name: spare.name, billingAccountId: active.metadata.id });
  });

  it('adding an org whose answer cannot be read at all reads the org back, or says it went through', async () => {
    const { active } = await accounts();
    const spare = spareOrg();
    sb.server.setFaults([{ kind: 'patch', method: 'POST', path: '/v1/billing_accounts/', pointer: '/status', value: 'up', times: 1 }]);
    const org = await client.addOrgToBillingAccount(active.metadata.id, spare.id);
    expect(org).toMatchObject({ id: spare.id, organisation: spare.name });
    expect(sb.server.exchanges.map((x) => `${x.method} ${x.status}`).slice(-2)).toEqual(['POST 200', 'GET 200']);

    await client.removeOrgFromBillingAccount(active.metadata.id, spare.id);
    sb.server.setFaults([
      { kind: 'patch', method: 'POST', path: '/v1/billing_accounts/', pointer: '/status', value: 'up', times: 1 },
      { kind: 'status', method: 'GET', status: 503 },
    ]);
    const e = await failure(client.addOrgToBillingAccount(active.metadata.id, spare.id));
    expect(e.message).toMatch(/^The organisation was added\. It went through.*do not repeat it\.$/);
    sb.server.clearFaults();
    expect((await client.getBillingAccountOrgs(active.metadata.id)).orgs?.map((o) => o.id)).toContain(spare.id);
  });

  it('creating an account whose 201 answer has no metadata (every field is optional) shows the account read back', async () => {
    sb.server.setFaults([{ kind: 'patch', method: 'POST', path: '/v1/billing_accounts', pointer: '/metadata', value: undefined, times: 1 }]);
    const created = await handlers()['agilicus.createBillingAccount'](
      argSchemas['agilicus.createBillingAccount'].parse({ accountId: 'a', customerId: 'cus_NoMetadata01' }),
      ctx,
    );
    expect(sb.server.exchanges.find((x) => x.method === 'POST')?.responseBody).not.toHaveProperty('metadata');
    expect(created.customerId).toBe('cus_NoMetadata01');
    expect(created.id).toBe([...sb.state.accounts.values()].find((a) => a.customerId === 'cus_NoMetadata01')?.id);

    // Nothing to read back: the error says it was created.
    sb.server.setFaults([
      { kind: 'patch', method: 'POST', path: '/v1/billing_accounts', pointer: '/metadata', value: undefined, times: 1 },
      { kind: 'status', method: 'GET', path: '/v1/billing_accounts', status: 503 },
    ]);
    const e = await failure(client.createBillingAccount({ customerId: 'cus_NoMetadata02' }));
    expect([...sb.state.accounts.values()].map((a) => a.customerId)).toContain('cus_NoMetadata02');
    expect(e.message).toMatch(/^The billing account was created\. It went through.*do not repeat it\.$/);
  });

  it('replacing an account whose answer cannot be read shows the account read back', async () => {
    const { trialing } = await accounts();
    sb.server.setFaults([{ kind: 'patch', method: 'PUT', pointer: '/metadata', value: 'x', times: 1 }]);
    const res = await client.replaceBillingAccount(trialing.metadata.id, { customerId: 'cus_ReplacedCust02' });
    expect(res).toMatchObject({ metadata: { id: trialing.metadata.id }, spec: { customer_id: 'cus_ReplacedCust02' } });
  });

  it('a 2xx usage record answer that is not JSON says the record went through', async () => {
    const { active } = await accounts();
    sb.server.setFaults([{ kind: 'malformed_json', method: 'POST' }]);
    const e = await failure(client.addBillingUsageRecord(active.metadata.id));
    expect(e.code).toBe('invalid_response');
    expect(e.message).toMatch(/^The usage record was added\. It went through/);
  });

  it('one org without an id leaves that org out of the org list and of its billing account, and says so', async () => {
    const { active } = await accounts();
    const id = active.metadata.id;
    sb.server.setFaults([{ kind: 'patch', method: 'GET', path: `/v1/billing_accounts/${id}/orgs`, pointer: '/orgs/1/id', value: undefined, times: 1 }]);
    const orgs = await handlers()['agilicus.getBillingAccountOrgs'](
      argSchemas['agilicus.getBillingAccountOrgs'].parse({ accountId: 'a', billingAccountId: id }),
      ctx,
    );
    expect(orgs.orgs.map((o) => o.name)).toEqual(['Northwind Logistics']);
    expect(orgs.unreadable).toEqual([{ index: 1, field: 'id', value: 'missing', problem: expect.any(String) as unknown }]);

    sb.server.setFaults([{ kind: 'patch', method: 'GET', path: '/v1/billing_accounts', pointer: '/billing_accounts/0/status/orgs/0/id', value: undefined, times: 1 }]);
    const list = await handlers()['agilicus.listBillingAccounts'](argSchemas['agilicus.listBillingAccounts'].parse({ accountId: 'a' }), ctx);
    expect(list.accounts).toHaveLength(3);
    expect(list.unreadable).toBeUndefined();
    expect(list.accounts[0]?.unreadableOrgs).toHaveLength(1);
    expect(list.accounts[0]?.orgs).toHaveLength(((await accounts()).all[0]?.status?.orgs?.length ?? 0) - 1);

    sb.server.setFaults([{ kind: 'patch', method: 'GET', path: `/v1/billing_accounts/${id}`, pointer: '/status/orgs/0/id', value: undefined, times: 1 }]);
    const one = await handlers()['agilicus.getBillingAccount'](argSchemas['agilicus.getBillingAccount'].parse({ accountId: 'a', billingAccountId: id }), ctx);
    expect(one.orgs.map((o) => o.name)).toEqual(['Northwind Warehouse Ops']);
    expect(one.unreadableOrgs).toHaveLength(1);
  });
});

describe('handlers', () => {
  const ctx: ServiceContext = { events: { emit: () => undefined } };

  it('run through the arg schemas and map to contract models', async () => {
    const handlers = createAgilicusHandlers((accountId) => {
      expect(accountId).toBe('acct-1');
      return Promise.resolve(client);
    });
    const list = await handlers['agilicus.listBillingAccounts'](
      argSchemas['agilicus.listBillingAccounts'].parse({ accountId: 'acct-1', includeSubscriptions: true, includeCustomer: true }),
      ctx,
    );
    expect(list.limit).toBe(500);
    expect(list.mayBeTruncated).toBe(false);
    expect(list.accounts).toHaveLength(3);
    const dev = list.accounts.find((a) => a.devMode);
    expect(dev?.subscriptions?.[0]?.status).toBe('trialing');
    expect(dev?.customer?.email).toBe('it-billing@brightline-eng.com');

    const active = list.accounts.find((a) => a.subscriptions?.[0]?.status === 'active');
    const usage = await handlers['agilicus.getUsageRecords'](
      argSchemas['agilicus.getUsageRecords'].parse({ accountId: 'acct-1', billingAccountId: active?.id, limit: 30 }),
      ctx,
    );
    expect(usage.records).toHaveLength(30);
    expect(usage.records[0]?.date).toBe('2025-03-13');
    expect(usage.mayBeTruncated).toBe(true);
    expect(usage.totalQuantity).toBe(usage.records.reduce((n, r) => n + (r.quantity ?? 0), 0));

    const removed = await handlers['agilicus.removeOrgFromBillingAccount'](
      argSchemas['agilicus.removeOrgFromBillingAccount'].parse({
        accountId: 'acct-1',
        billingAccountId: active?.id,
        orgId: active?.orgs[1]?.id,
      }),
      ctx,
    );
    expect(removed).toEqual({ removed: true });

    const dry = await handlers['agilicus.addBillingUsageRecord'](
      argSchemas['agilicus.addBillingUsageRecord'].parse({ accountId: 'acct-1', billingAccountId: active?.id, dryRun: true }),
      ctx,
    );
    expect(dry).toMatchObject({ recorded: false, dryRun: true, records: [{ quantity: 46 }] });
  });

  it('rejects bad args', () => {
    const bad: [keyof typeof argSchemas, unknown][] = [
      ['agilicus.listBillingAccounts', { accountId: '' }],
      ['agilicus.listBillingAccounts', { accountId: 'a', limit: 0 }],
      ['agilicus.listBillingAccounts', { accountId: 'a', limit: 1.5 }],
      ['agilicus.listBillingAccounts', { accountId: 'a', extra: 1 }],
      ['agilicus.getBillingAccount', { accountId: 'a', billingAccountId: '../orgs' }],
      ['agilicus.getBillingAccount', { accountId: 'a', billingAccountId: 'x'.repeat(65) }],
      ['agilicus.createBillingAccount', { accountId: 'a', customerId: 'has space' }],
      ['agilicus.replaceBillingAccount', { accountId: 'a', billingAccountId: 'b', customerId: 'c' }],
      ['agilicus.addOrgToBillingAccount', { accountId: 'a', billingAccountId: 'b', orgId: 'x/y' }],
      ['agilicus.addBillingUsageRecord', { accountId: 'a', billingAccountId: 'b', dryRun: 'yes' }],
      ['agilicus.getUsageRecords', { accountId: 'a'.repeat(65), billingAccountId: 'b' }],
    ];
    for (const [channel, args] of bad) {
      expect(argSchemas[channel].safeParse(args).success, `${channel} ${JSON.stringify(args)}`).toBe(false);
    }
  });
});
