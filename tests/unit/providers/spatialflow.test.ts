import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { argSchemas } from '../../../contract';
import { spatialflowArgs } from '../../../contract/channels/spatialflow';
import { AppError } from '../../../main/http/errors';
import type { HttpClientOptions } from '../../../main/http/types';
import {
  SPATIALFLOW_DEFAULT_BASE_URL,
  createSpatialFlowClient,
  type SpatialFlowCredentials,
  type SpatialFlowSession,
} from '../../../main/providers/spatialflow/client';
import type { InvoiceResponse } from '../../../main/providers/spatialflow/schemas';
import { memorySessionStore } from '../../../main/providers/session-store';
import { startSpatialFlowSandbox, type SpatialFlowSandbox, type SpatialFlowSandboxOptions } from '../../../main/sandbox/spatialflow';
import { createSpatialFlowHandlers } from '../../../main/services/spatialflow';
import type { ServiceContext } from '../../../main/router/types';
import { failure } from '../../support/errors';

const fastHttp: Partial<HttpClientOptions> = {
  retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  connectTimeoutMs: 1_000,
  totalTimeoutMs: 1_500,
};

const open: SpatialFlowSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function setup(opts: SpatialFlowSandboxOptions = {}, credentials?: SpatialFlowCredentials) {
  const sandbox = await startSpatialFlowSandbox({ now: new Date('2025-10-20T12:00:00Z'), ...opts });
  open.push(sandbox);
  const session = memorySessionStore<SpatialFlowSession>();
  const client = createSpatialFlowClient({
    baseUrl: sandbox.apiUrl,
    credentials: credentials ?? sandbox.credentials,
    session,
    http: fastHttp,
  });
  const calls = (method: string, p: string) =>
    sandbox.server.exchanges.filter((e) => e.method === method && e.path === p);
  return { sandbox, client, session, calls };
}


const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const INVOICES = '/api/v1/billing/invoices';
const CARDS = '/api/v1/billing/payment-methods';

describe('SpatialFlow sandbox', () => {
  it('starts fast, is deterministic per seed, and uses a separate file origin', async () => {
    const t0 = performance.now();
    const a = await startSpatialFlowSandbox({ seed: 7, now: new Date('2025-10-20T12:00:00Z') });
    const elapsed = performance.now() - t0;
    const b = await startSpatialFlowSandbox({ seed: 7, now: new Date('2025-10-20T12:00:00Z') });
    open.push(a, b);
    expect(elapsed).toBeLessThan(300);
    expect(new URL(a.files.url).origin).not.toBe(new URL(a.apiUrl).origin);
    const ca = createSpatialFlowClient({ baseUrl: a.apiUrl, credentials: a.credentials, http: fastHttp });
    const cb = createSpatialFlowClient({ baseUrl: b.apiUrl, credentials: b.credentials, http: fastHttp });
    const [pa, pb] = await Promise.all([ca.listInvoices({ limit: 5 }), cb.listInvoices({ limit: 5 })]);
    expect(pa.invoices.map((i) => [i.id, i.number, i.amount_due])).toEqual(pb.invoices.map((i) => [i.id, i.number, i.amount_due]));
    expect(SPATIALFLOW_DEFAULT_BASE_URL).toBe('https://api.spatialflow.io');
  });

  it('serves 10,000 invoices lazily for benchmarks', async () => {
    const t0 = performance.now();
    const { client } = await setup({ scale: { invoices: 10_000 } });
    let total = 0;
    const seen = new Set<string>();
    for await (const page of client.iterateInvoices({ pageSize: 100 })) {
      for (const inv of page) seen.add(inv.id);
      total += page.length;
    }
    expect(total).toBe(10_000);
    expect(seen.size).toBe(10_000);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('accepts the v1.0.0 bare-string bodies and serves both cancel routes', async () => {
    const { sandbox } = await setup();
    const token = sandbox.mintAccessToken();
    const call = (method: string, p: string, body?: unknown) =>
      fetch(sandbox.apiUrl + p, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await call('POST', CARDS, 'pm_card_amex')).status).toBe(200);
    const preview = await call('POST', '/api/v1/billing/preview-plan-change', 'plan_business');
    expect(preview.status).toBe(200);
    expect((await call('POST', '/api/v1/billing/cancel-subscription', 'too expensive')).status).toBe(200);
    const again = await call('PUT', '/api/v1/subscriptions/cancel');
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ detail: expect.stringMatching(/already set to cancel/) });
    expect((await call('PUT', '/api/v1/subscriptions/reactivate')).status).toBe(200);
    expect((await call('GET', '/api/v1/billing/invoices?limit=0')).status).toBe(422);
  });
});

describe('SpatialFlow auth', () => {
  it('logs in once, keeps the tokens in the session store and reuses them', async () => {
    const { client, session, calls } = await setup();
    await client.listPaymentMethods();
    await client.getCurrentSubscription();
    expect(calls('POST', LOGIN)).toHaveLength(1);
    const saved = await session.load();
    expect(saved?.accessToken.split('.')).toHaveLength(3);
    expect(saved?.refreshToken).toMatch(/^rt_/);
  });

  it('refreshes transparently when the access token expired', async () => {
    const { sandbox, client, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.expireTokens();
    const list = await client.listPaymentMethods();
    expect(list.length).toBeGreaterThan(0);
    expect(calls('POST', LOGIN)).toHaveLength(1);
    expect(calls('POST', REFRESH)).toHaveLength(1);
    expect(calls('GET', CARDS).map((e) => e.status)).toEqual([200, 401, 200]);
    expect(calls('GET', CARDS)[1]?.responseBody).toEqual({ detail: 'Token has expired', error_code: 'TOKEN_EXPIRED' });
  });

  it('shares one refresh between concurrent requests', async () => {
    const { sandbox, client, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.expireTokens();
    await Promise.all([client.listPaymentMethods(), client.listInvoices(), client.getCurrentSubscription()]);
    expect(calls('POST', REFRESH)).toHaveLength(1);
    expect(calls('POST', LOGIN)).toHaveLength(1);
  });

  it('logs in again when the refresh token is refused', async () => {
    const { sandbox, client, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.expireTokens({ refreshTokens: true });
    await client.listPaymentMethods();
    expect(calls('POST', REFRESH).map((e) => e.status)).toEqual([401]);
    expect(calls('POST', LOGIN).map((e) => e.status)).toEqual([200, 200]);
  });

  it.each([0, -60])('treats a token lifetime of %i as unknown: signs in, then renews on a 401', async (reported) => {
    const { sandbox, client, calls } = await setup({ reportedExpiresIn: reported });
    expect((await client.listPaymentMethods()).length).toBeGreaterThan(0);
    expect(calls('POST', LOGIN)).toHaveLength(1);
    // No expiry was guessed from it: the token is used until the API says it expired.
    expect((await client.listPaymentMethods()).length).toBeGreaterThan(0);
    expect(calls('POST', REFRESH)).toHaveLength(0);
    sandbox.expireTokens();
    expect((await client.listPaymentMethods()).length).toBeGreaterThan(0);
    expect(calls('POST', REFRESH)).toHaveLength(1);
  });

  it.each([
    ['1.1.0', 'PUT /api/v1/subscriptions'],
    ['1.0.0', 'POST /api/v1/billing'],
  ] as const)('cancels and reactivates where only v%s routes exist, and keeps to them', async (only, expected) => {
    const { client, sandbox } = await setup({ subscriptionActions: only });
    const actions = () =>
      sandbox.server.exchanges
        .filter((e) => /cancel|reactivate/.test(e.path))
        .map((e) => `${e.method} ${e.path.replace(/\/(billing\/)?(cancel|reactivate)(-subscription)?$/, (_m, b: string | undefined) => (b ? '/billing' : ''))} ${e.status}`);
    const cancelled = await client.cancelSubscription();
    expect(cancelled.subscription.cancel_at_period_end).toBe(true);
    const reactivated = await client.reactivateSubscription();
    expect(reactivated.subscription.cancel_at_period_end).toBe(false);
    expect(client.subscriptionActionsVersion).toBe(only);
    // The seed's route first; where it is gone (404), the current one once; after that only the one that answered.
    expect(actions()).toEqual(only === '1.1.0' ? ['POST /api/v1/billing 404', `${expected} 200`, `${expected} 200`] : [`${expected} 200`, `${expected} 200`]);
    // A client told the version up front (remembered for the account) goes straight to it.
    const again = createSpatialFlowClient({ baseUrl: sandbox.apiUrl, credentials: sandbox.credentials, http: fastHttp, subscriptionActionsVersion: only });
    const before = actions().length;
    await again.cancelSubscription();
    expect(actions().slice(before)).toEqual([`${expected} 200`]);
  });

  // The spec's ErrorResponse: only `detail`, no error_code saying the token expired (revoked, rotated key, restart).
  const refused = { kind: 'status', status: 401, body: { detail: 'Unauthorized' }, headers: { 'WWW-Authenticate': 'Bearer' } } as const;

  it('renews the session after any 401 and the call succeeds', async () => {
    const { sandbox, client, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ ...refused, path: CARDS, method: 'GET', times: 1 }]);
    const list = await client.listPaymentMethods();
    expect(list.length).toBeGreaterThan(0);
    expect(calls('GET', CARDS).map((e) => e.status)).toEqual([200, 401, 200]);
    expect(calls('POST', REFRESH).map((e) => e.status)).toEqual([200]);
  });

  it('drops a session whose renewed token is refused too, so the next call signs in afresh instead of sending it again', async () => {
    const { sandbox, client, session, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ ...refused, path: CARDS, method: 'GET', times: 2 }]);
    const err = await failure(client.listPaymentMethods());
    expect(err.code).toBe('auth_failed');
    expect(calls('POST', REFRESH)).toHaveLength(1);
    const dead = (await session.load())?.accessToken;
    expect(calls('GET', CARDS).at(-1)?.requestHeaders.authorization).toBe(`Bearer ${dead}`);
    expect((await client.listPaymentMethods()).length).toBeGreaterThan(0);
    expect(calls('POST', LOGIN).map((e) => e.status)).toEqual([200, 200]);
    expect(calls('GET', CARDS).at(-1)?.requestHeaders.authorization).not.toBe(`Bearer ${dead}`);
    expect((await session.load())?.accessToken).not.toBe(dead);
  });

  it('says a pasted token cannot be renewed after a bare 401', async () => {
    const { sandbox } = await setup();
    const client = createSpatialFlowClient({
      baseUrl: sandbox.apiUrl,
      credentials: { kind: 'token', accessToken: sandbox.mintAccessToken() },
      http: fastHttp,
    });
    sandbox.server.setFaults([{ ...refused, path: CARDS }]);
    const err = await failure(client.listPaymentMethods());
    expect(err.code).toBe('auth_failed');
    expect(err.message).toMatch(/cannot be renewed/);
    expect(sandbox.server.exchanges.filter((e) => e.path.startsWith('/api/v1/auth/'))).toHaveLength(0);
  });

  it('refreshes ahead of expiry from expires_in', async () => {
    const { client, calls } = await setup({ tokenTtlSeconds: 1 });
    await client.listPaymentMethods();
    await new Promise((r) => setTimeout(r, 1_050));
    await client.listPaymentMethods();
    expect(calls('POST', REFRESH)).toHaveLength(1);
    expect(calls('GET', CARDS).map((e) => e.status)).toEqual([200, 200]);
  });

  it('reports a wrong password as auth_failed with the provider message', async () => {
    const { sandbox } = await setup();
    const client = createSpatialFlowClient({
      baseUrl: sandbox.apiUrl,
      credentials: { ...sandbox.credentials, password: 'wrong' },
      http: fastHttp,
    });
    const err = await failure(client.listInvoices());
    expect(err.code).toBe('auth_failed');
    expect(err.providerMessage).toBe('Invalid email or password');
    expect(err.providerCode).toBe('INVALID_CREDENTIALS');
    expect(err.message).not.toContain('wrong');
  });

  it('uses a pasted access token and says clearly when it expired', async () => {
    const { sandbox } = await setup();
    const client = createSpatialFlowClient({
      baseUrl: sandbox.apiUrl,
      credentials: { kind: 'token', accessToken: sandbox.mintAccessToken() },
      http: fastHttp,
    });
    expect((await client.testConnection()).plan).toBe('Pro');
    sandbox.expireTokens();
    const err = await failure(client.listPaymentMethods());
    expect(err.code).toBe('auth_failed');
    expect(err.message).toMatch(/expired.*cannot be renewed/);
    expect(sandbox.server.exchanges.filter((e) => e.path.startsWith('/api/v1/auth/'))).toHaveLength(0);
  });

  it('rejects a garbage token as auth_failed', async () => {
    const { sandbox } = await setup();
    const client = createSpatialFlowClient({
      baseUrl: sandbox.apiUrl,
      credentials: { kind: 'token', accessToken: 'not-a-jwt' },
      http: fastHttp,
    });
    const err = await failure(client.listInvoices());
    expect(err.code).toBe('auth_failed');
  });

  it('answers 401 with ErrorResponse when no token is sent', async () => {
    const { sandbox } = await setup();
    const res = await fetch(`${sandbox.apiUrl}${INVOICES}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Unauthorized' });
  });
});

describe('SpatialFlow operations', () => {
  it('lists, adds, defaults and removes payment methods', async () => {
    const { client } = await setup();
    const initial = await client.listPaymentMethods();
    expect(initial.length).toBeGreaterThanOrEqual(2);
    expect(initial.filter((p) => p.is_default)).toHaveLength(1);
    for (const pm of initial) {
      expect(pm.id).toMatch(/^pm_/);
      expect(pm.last4).toMatch(/^\d{4}$/);
      expect(pm.brand).toMatch(/^(visa|mastercard|amex)$/);
    }

    const added = await client.addPaymentMethod('pm_card_mastercard');
    expect(added.message).toBe('Payment method added');
    let list = await client.listPaymentMethods();
    const mc = list.find((p) => p.id === 'pm_card_mastercard');
    expect(mc).toMatchObject({ brand: 'mastercard', last4: '4444', is_default: false });

    await client.setDefaultPaymentMethod('pm_card_mastercard');
    list = await client.listPaymentMethods();
    expect(list.filter((p) => p.is_default).map((p) => p.id)).toEqual(['pm_card_mastercard']);

    const old = initial[0]?.id ?? '';
    await client.removePaymentMethod(old);
    list = await client.listPaymentMethods();
    expect(list.map((p) => p.id)).not.toContain(old);
  });

  it('refuses to remove the default card, or the only one, with the provider message', async () => {
    const { client } = await setup();
    const list = await client.listPaymentMethods();
    const def = list.find((p) => p.is_default);
    const err = await failure(client.removePaymentMethod(def?.id ?? ''));
    expect(err.code).toBe('validation');
    expect(err.providerMessage).toMatch(/Set another payment method as default first/);

    for (const pm of list.filter((p) => !p.is_default)) await client.removePaymentMethod(pm.id);
    const last = await failure(client.removePaymentMethod(def?.id ?? ''));
    expect(last.status).toBe(400);
    expect(last.providerMessage).toMatch(/only payment method/);
    expect(last.providerCode).toBe('LAST_PAYMENT_METHOD');
  });

  it('answers not_found for cards the caller does not own and rejects duplicates', async () => {
    const { client } = await setup();
    expect((await failure(client.removePaymentMethod('pm_1SomeoneElsesCard000000'))).code).toBe('not_found');
    expect((await failure(client.setDefaultPaymentMethod('pm_unknown'))).code).toBe('not_found');
    await client.addPaymentMethod('pm_card_visa');
    const dup = await failure(client.addPaymentMethod('pm_card_visa'));
    expect(dup.code).toBe('validation');
    expect(dup.providerMessage).toMatch(/already attached/);
  });

  it('pages through all 60 invoices with starting_after', async () => {
    const { client, calls } = await setup();
    const ids: string[] = [];
    let startingAfter: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await client.listInvoices(startingAfter === undefined ? { limit: 10 } : { limit: 10, startingAfter });
      pages++;
      ids.push(...page.invoices.map((i) => i.id));
      if (!page.has_more) break;
      startingAfter = page.invoices.at(-1)?.id;
    }
    expect(pages).toBe(6);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(calls('GET', INVOICES).at(-1)?.responseBody).toMatchObject({ has_more: false });
    expect(calls('GET', INVOICES)[1]?.query).toMatch(/^limit=10&starting_after=in_/);
  });

  it('goes on past a page on which no invoice is readable (pages follow the invoices as sent)', async () => {
    const { sandbox, client } = await setup();
    const pages = client.iterateInvoices({ pageSize: 2 });
    const seen: string[] = [];
    const first = await pages.next();
    if (!first.done) seen.push(...first.value.map((i) => i.number));
    // Invoices 3 and 4 are in a currency Billfold cannot read.
    sandbox.server.setFaults([
      { kind: 'patch', pointer: '/invoices/0/currency', value: 'US$', times: 1 },
      { kind: 'patch', pointer: '/invoices/1/currency', value: 'US$', times: 1 },
    ]);
    for await (const page of pages) seen.push(...page.map((i) => i.number));
    expect(seen).toHaveLength(58);
    expect(new Set(seen).size).toBe(58);
  });

  it('returns realistic invoices, newest first, with an open and a void one', async () => {
    const { client } = await setup();
    const all: InvoiceResponse[] = [];
    for await (const page of client.iterateInvoices({ pageSize: 25 })) all.push(...page);
    expect(all).toHaveLength(60);
    const created = all.map((i) => i.created_at);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    expect(all[0]?.status).toBe('open');
    expect(all.filter((i) => i.status === 'void')).toHaveLength(1);
    expect(all.filter((i) => i.status === 'paid')).toHaveLength(58);
    for (const inv of all) {
      expect(inv.currency).toBe('usd');
      expect(inv.amount_due).toBe(inv.line_items.reduce((s, l) => s + l.amount, 0));
      expect(inv.amount_paid).toBe(inv.status === 'paid' ? inv.amount_due : 0);
      expect(inv.period_end).toBeGreaterThan(inv.period_start);
    }
    // The newest invoice covers the period that contains "now".
    const now = Date.parse('2025-10-20T12:00:00Z') / 1000;
    expect(all[0]?.period_start).toBeLessThanOrEqual(now);
    expect(all[0]?.period_end).toBeGreaterThan(now);
  });

  it('gets one invoice and answers not_found for unknown ids', async () => {
    const { client } = await setup();
    const first = (await client.listInvoices({ limit: 3 })).invoices[2];
    const inv = await client.getInvoice(first?.id ?? '');
    expect(inv).toEqual(first);
    const err = await failure(client.getInvoice('in_1DoesNotExist000000000000'));
    expect(err.code).toBe('not_found');
    expect(err.providerMessage).toBe('Invoice not found');
    expect((await failure(client.listInvoices({ startingAfter: 'in_nope' }))).code).toBe('not_found');
  });

  it('downloads the invoice PDF from the file host without credentials', async () => {
    const { sandbox, client } = await setup();
    const inv = (await client.listInvoices({ limit: 2 })).invoices[1];
    const id = inv?.id ?? '';
    const link = await client.downloadInvoice(id);
    expect(new URL(link.url).origin).toBe(new URL(sandbox.files.url).origin);

    const progress: number[] = [];
    const pdf = await client.fetchInvoicePdf(id, { onProgress: (p) => progress.push(p.receivedBytes) });
    expect(new TextDecoder().decode(pdf.bytes.subarray(0, 8))).toBe('%PDF-1.4');
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.suggestedName).toBe(`Invoice-${inv?.number}.pdf`);
    expect(progress.at(-1)).toBe(pdf.bytes.byteLength);
    expect(sandbox.files.requests).toHaveLength(1);
    for (const r of sandbox.files.requests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
    }

    const dir = mkdtempSync(path.join(tmpdir(), 'sf-pdf-'));
    try {
      const file = path.join(dir, 'invoice.pdf');
      writeFileSync(file, pdf.bytes);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toContain(inv?.number ?? '?');
      const total = `$${((inv?.amount_due ?? 0) / 100).toFixed(2)} USD`;
      expect(text).toContain(total);
      expect(text).toContain('Dana Whitfield');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates a setup intent', async () => {
    const { client } = await setup();
    const { client_secret } = await client.createSetupIntent();
    expect(client_secret).toMatch(/^seti_1\w+_secret_\w+$/);
  });

  it('previews a plan change with a proration from the days left', async () => {
    const { client } = await setup();
    const sub = await client.getCurrentSubscription();
    const up = await client.previewPlanChange('plan_business');
    expect(up.current_plan.id).toBe('plan_pro');
    expect(up.new_plan.id).toBe('plan_business');
    const start = Date.parse(sub.current_period_start ?? '');
    const end = Date.parse(sub.current_period_end ?? '');
    const fraction = (end - Date.parse(up.effective_date)) / (end - start);
    expect(up.prorated_amount).toBeGreaterThan(0);
    expect(Math.abs(up.prorated_amount - Math.round((19_900 - 4_900) * fraction))).toBeLessThanOrEqual(2);
    expect(up.immediate_charge).toBe(up.prorated_amount);
    expect(up.next_invoice_change).toBe(15_000);

    const down = await client.previewPlanChange('plan_free');
    expect(down.prorated_amount).toBeLessThan(0);
    expect(down.immediate_charge).toBe(0);

    const same = await failure(client.previewPlanChange('plan_pro'));
    expect(same.code).toBe('validation');
    expect(same.providerMessage).toBe('You are already subscribed to the Pro plan.');
    expect((await failure(client.previewPlanChange('plan_nope'))).code).toBe('not_found');
  });

  it('changes the plan and invoices the upgrade at once', async () => {
    const { client } = await setup();
    const before = (await client.listInvoices({ limit: 1 })).invoices[0];
    const preview = await client.previewPlanChange('plan_business');
    const res = await client.changePlan('plan_business');
    expect(res.subscription.plan.id).toBe('plan_business');
    expect(res.message).toMatch(/Pro to Business/);
    expect((await client.getCurrentSubscription()).plan.tier).toBe('business');
    const after = (await client.listInvoices({ limit: 2 })).invoices;
    expect(after[1]?.id).toBe(before?.id);
    expect(after[0]).toMatchObject({ status: 'paid' });
    expect(Math.abs((after[0]?.amount_due ?? 0) - preview.immediate_charge)).toBeLessThanOrEqual(2);
    expect(after[0]?.line_items.map((l) => l.description)).toEqual([
      expect.stringMatching(/^Unused time on Pro/),
      expect.stringMatching(/^Remaining time on Business/),
    ]);
  });

  it.each([
    ['a subscription id', '/subscription', 'sub_1Q2w3E'],
    ['a Stripe subscription', '/subscription', { id: 'sub_1', status: 'active', current_period_end: 1767225600 }],
    ['a message that is not text', '/message', { text: 'Plan changed' }],
    ['success that is not a boolean', '/success', 'yes'],
  ] as const)('reports a plan change as done when the answer carries %s, reading the subscription back', async (_what, pointer, value) => {
    const { sandbox, client, calls } = await setup();
    sandbox.server.setFaults([{ kind: 'patch', pointer, value, path: '/api/v1/billing/change-plan', times: 1 }]);
    const res = await client.changePlan('plan_business');
    expect(res.subscription.plan.id).toBe('plan_business');
    if (pointer === '/message') expect(res.message).toBeUndefined();
    else expect(res.message).toMatch(/Pro to Business/);
    expect(calls('POST', '/api/v1/billing/change-plan')).toHaveLength(1);
    expect(calls('GET', '/api/v1/subscriptions/current')).toHaveLength(pointer === '/subscription' ? 1 : 0);
  });

  it('says a plan change went through when its answer is unreadable and so is the read-back', async () => {
    const { sandbox, client, calls } = await setup();
    sandbox.server.setFaults([
      { kind: 'patch', pointer: '/subscription', value: 'sub_1Q2w3E', path: '/api/v1/billing/change-plan', times: 1 },
      { kind: 'status', status: 503, path: '/api/v1/subscriptions/current' },
    ]);
    const err = await failure(client.changePlan('plan_business'));
    expect(err.code).toBe('server');
    expect(err.message).toMatch(/^The plan was changed\. It went through, .* do not repeat it\.$/);
    sandbox.server.clearFaults();
    expect((await client.getCurrentSubscription()).plan.id).toBe('plan_business');
    expect(calls('POST', '/api/v1/billing/change-plan')).toHaveLength(1);
  });

  it('reports a v1.0.0 cancel as done when its answer is in another shape, and never calls the other route', async () => {
    const { sandbox, client, calls } = await setup();
    sandbox.server.setFaults([{ kind: 'patch', pointer: '/subscription', value: null, path: '/api/v1/billing/cancel-subscription', times: 1 }]);
    const cancelled = await client.cancelSubscription();
    expect(cancelled.subscription.cancel_at_period_end).toBe(true);
    expect(cancelled.message).toMatch(/end of the current billing period/);

    sandbox.server.setFaults([
      { kind: 'patch', pointer: '/subscription', value: 'sub_1', path: '/api/v1/billing/reactivate-subscription', times: 1 },
      { kind: 'status', status: 404, body: { detail: 'Not Found' }, path: '/api/v1/subscriptions/current' },
    ]);
    const err = await failure(client.reactivateSubscription());
    expect(err.message).toMatch(/^The subscription was reactivated\. It went through/);
    // The read-back's 404 is not taken for a missing route: the write is not sent again elsewhere.
    expect(calls('PUT', '/api/v1/subscriptions/reactivate')).toHaveLength(0);
    sandbox.server.clearFaults();
    expect((await client.getCurrentSubscription()).cancel_at_period_end).toBe(false);
  });

  it('cancels at period end and reactivates, refusing the wrong state', async () => {
    const { client, calls } = await setup();
    const cancelled = await client.cancelSubscription();
    expect(cancelled.subscription.cancel_at_period_end).toBe(true);
    expect(cancelled.subscription.status).toBe('active');
    expect(cancelled.message).toMatch(/end of the current billing period/);
    expect(calls('POST', '/api/v1/billing/cancel-subscription')).toHaveLength(1);

    const twice = await failure(client.cancelSubscription());
    expect(twice.code).toBe('validation');
    expect(twice.providerMessage).toMatch(/already set to cancel/);
    const blocked = await failure(client.changePlan('plan_business'));
    expect(blocked.providerMessage).toMatch(/Reactivate it before changing plans/);

    const back = await client.reactivateSubscription();
    expect(back.subscription.cancel_at_period_end).toBe(false);
    const again = await failure(client.reactivateSubscription());
    expect(again.providerMessage).toBe('Subscription is not scheduled for cancellation.');
  });

  it('lists plans without credentials and reads the current subscription', async () => {
    const { client, calls } = await setup();
    const plans = await client.listPlans();
    expect(plans.map((p) => p.tier)).toEqual(['free', 'pro', 'business']);
    expect(calls('GET', '/api/v1/subscriptions/plans')[0]?.requestHeaders.authorization).toBeUndefined();
    expect(calls('POST', LOGIN)).toHaveLength(0);
    const sub = await client.getCurrentSubscription();
    expect(sub).toMatchObject({ status: 'active', cancel_at_period_end: false });
    expect(sub.plan.id).toBe('plan_pro');
  });
});

describe('SpatialFlow faults', () => {
  it('waits for Retry-After on 429 and then succeeds on GET', async () => {
    const { sandbox, client, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 1, times: 1, path: INVOICES }]);
    const page = await client.listInvoices();
    expect(page.invoices).toHaveLength(10);
    expect(calls('GET', INVOICES).map((e) => e.status)).toEqual([429, 200]);
  });

  it.each([500, 503])('retries GET after %i', async (status) => {
    const { sandbox, client, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ kind: 'status', status, times: 2, path: CARDS, method: 'GET' }]);
    await client.listPaymentMethods();
    expect(calls('GET', CARDS).map((e) => e.status)).toEqual([200, status, status, 200]);
  });

  it('gives up on GET after the retry budget with a server error', async () => {
    const { sandbox, client, calls } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ kind: 'status', status: 503, path: INVOICES }]);
    const err = await failure(client.listInvoices());
    expect(err.code).toBe('server');
    expect(err.providerMessage).toBe('Internal server error');
    expect(calls('GET', INVOICES)).toHaveLength(3);
  });

  it.each([
    ['POST', '/api/v1/billing/preview-plan-change', 500],
    ['POST', '/api/v1/billing/change-plan', 503],
    ['PUT', `${CARDS}/pm_card_visa/default`, 500],
    ['DELETE', `${CARDS}/pm_card_visa`, 503],
    ['POST', '/api/v1/billing/cancel-subscription', 500],
  ] as const)('does not retry %s %s after %i', async (method, p, status) => {
    const { sandbox, client, calls } = await setup();
    await client.addPaymentMethod('pm_card_visa');
    sandbox.server.setFaults([{ kind: 'status', status, path: p, method }]);
    const run: Record<string, () => Promise<unknown>> = {
      '/api/v1/billing/preview-plan-change': () => client.previewPlanChange('plan_business'),
      '/api/v1/billing/change-plan': () => client.changePlan('plan_business'),
      [`${CARDS}/pm_card_visa/default`]: () => client.setDefaultPaymentMethod('pm_card_visa'),
      [`${CARDS}/pm_card_visa`]: () => client.removePaymentMethod('pm_card_visa'),
      '/api/v1/billing/cancel-subscription': () => client.cancelSubscription(),
    };
    const err = await failure((run[p] as () => Promise<unknown>)());
    expect(err.code).toBe('server');
    expect(calls(method, p)).toHaveLength(1);
  });

  it('times out on a hanging server', async () => {
    const { sandbox, client } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ kind: 'hang', path: INVOICES }]);
    const err = await failure(client.listInvoices());
    expect(err.code).toBe('timeout');
  });

  it.each(['malformed_json', 'truncated_body'] as const)('reports %s as invalid_response', async (kind) => {
    const { sandbox, client } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ kind, path: INVOICES }]);
    const err = await failure(client.listInvoices());
    expect(err.code).toBe('invalid_response');
  });

  it('reports a download body without a URL as invalid_response', async () => {
    const { sandbox, client } = await setup();
    await client.listPaymentMethods();
    const inv = (await client.listInvoices({ limit: 1 })).invoices[0];
    sandbox.server.setFaults([{ kind: 'malformed_json', path: `${INVOICES}/${inv?.id}/download` }]);
    expect((await failure(client.fetchInvoicePdf(inv?.id ?? ''))).code).toBe('invalid_response');
  });

  it('downloads the PDF from a link sent under a key of its own, and refuses to guess between two', async () => {
    const { sandbox, client } = await setup();
    const inv = (await client.listInvoices({ limit: 1 })).invoices[0];
    const id = inv?.id ?? '';
    const { url } = await client.downloadInvoice(id);
    const download = `${INVOICES}/${id}/download`;
    sandbox.server.setFaults([
      { kind: 'patch', pointer: '/url', value: undefined, path: download, times: 1 },
      { kind: 'patch', pointer: '/pdf_url', value: url, path: download, times: 1 },
      { kind: 'patch', pointer: '/expires_at', value: '2025-10-20T13:00:00Z', path: download, times: 1 },
    ]);
    const pdf = await client.fetchInvoicePdf(id);
    expect(new TextDecoder().decode(pdf.bytes.subarray(0, 5))).toBe('%PDF-');
    expect(pdf.suggestedName).toBe(`Invoice-${inv?.number}.pdf`);

    sandbox.server.setFaults([
      { kind: 'patch', pointer: '/url', value: undefined, path: download, times: 1 },
      { kind: 'patch', pointer: '/pdf_url', value: url, path: download, times: 1 },
      { kind: 'patch', pointer: '/receipt_url', value: 'https://pay.example/receipt/1', path: download, times: 1 },
    ]);
    const two = await failure(client.fetchInvoicePdf(id));
    expect(two.code).toBe('invalid_response');
    expect(two.message).toMatch(/no download URL/);
  });

  it('cancels a request through its AbortSignal', async () => {
    const { sandbox, client } = await setup();
    await client.listPaymentMethods();
    sandbox.server.setFaults([{ kind: 'latency', latencyMs: 400, path: INVOICES }]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    expect((await failure(client.listInvoices({}, { signal: ac.signal }))).code).toBe('cancelled');
  });
});

describe('SpatialFlow handlers', () => {
  const ctx: ServiceContext = { events: { emit: () => undefined } };

  it('serves channels through the handler table with normalised models', async () => {
    const { client } = await setup();
    const handlers = createSpatialFlowHandlers((accountId) =>
      accountId === 'acct-1' ? Promise.resolve(client) : Promise.reject(new AppError('not_found', 'no account')),
    );
    const args = argSchemas['spatialflow.listInvoices'].parse({ accountId: 'acct-1', limit: 25 });
    const page = await handlers['spatialflow.listInvoices'](args, ctx);
    expect(page.invoices).toHaveLength(25);
    expect(page.hasMore).toBe(true);
    expect(page.nextCursor).toBe(page.invoices.at(-1)?.id);
    const first = page.invoices[0];
    expect(first?.amountDue.currency).toBe('USD');
    expect(first?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(first?.hasPdf).toBe(true);

    const next = await handlers['spatialflow.listInvoices'](
      spatialflowArgs['spatialflow.listInvoices'].parse({ accountId: 'acct-1', limit: 100, startingAfter: page.nextCursor }),
      ctx,
    );
    expect(next.invoices).toHaveLength(35);
    expect(next.hasMore).toBe(false);
    expect(next.nextCursor).toBeUndefined();

    const sub = await handlers['spatialflow.getSubscription']({ accountId: 'acct-1' }, ctx);
    expect(sub.plan.price).toEqual({ minor: 4_900, currency: 'USD' });
    expect(sub.currentPeriodEnd).toMatch(/Z$/);

    const preview = await handlers['spatialflow.previewPlanChange'](
      spatialflowArgs['spatialflow.previewPlanChange'].parse({ accountId: 'acct-1', newPlanId: 'plan_business' }),
      ctx,
    );
    expect(preview.nextInvoiceChange).toEqual({ minor: 15_000, currency: 'USD' });

    const { methods: cards } = await handlers['spatialflow.addPaymentMethod']({ accountId: 'acct-1', paymentMethodId: 'pm_card_amex' }, ctx);
    expect(cards[0]?.isDefault).toBe(true);
    expect(cards.find((c) => c.id === 'pm_card_amex')).toMatchObject({ brand: 'amex', last4: '8431', expired: false });
    expect(cards.find((c) => c.id === 'pm_card_amex')?.expiry).toMatch(/^\d{2}\/\d{4}$/);

    const dl = await handlers['spatialflow.downloadInvoice']({ accountId: 'acct-1', invoiceId: first?.id ?? '' }, ctx);
    expect(dl.fileName).toBe(`SpatialFlow-${first?.number}.pdf`);

    const plans = await handlers['spatialflow.listPlans']({ accountId: 'acct-1' }, ctx);
    expect(plans.map((p) => p.price.minor)).toEqual([0, 4_900, 19_900]);

    const cancelled = await handlers['spatialflow.cancelSubscription']({ accountId: 'acct-1' }, ctx);
    expect(cancelled.subscription.cancelAtPeriodEnd).toBe(true);
  });

  it('offers the next page after a page whose invoices are all unreadable', async () => {
    const { sandbox, client } = await setup();
    const handlers = createSpatialFlowHandlers(() => Promise.resolve(client));
    const pageAfter = (startingAfter?: string) =>
      handlers['spatialflow.listInvoices'](argSchemas['spatialflow.listInvoices'].parse({ accountId: 'acct-1', limit: 2, ...(startingAfter === undefined ? {} : { startingAfter }) }), ctx);
    const one = await pageAfter();
    sandbox.server.setFaults([
      { kind: 'patch', pointer: '/invoices/0/currency', value: 'US$', times: 1 },
      { kind: 'patch', pointer: '/invoices/1/currency', value: 'US$', times: 1 },
    ]);
    const two = await pageAfter(one.nextCursor);
    expect(two.invoices).toEqual([]);
    expect(two.unreadable).toHaveLength(2);
    expect(two.hasMore).toBe(true);
    const three = await pageAfter(two.nextCursor);
    expect(three.invoices).toHaveLength(2);
    const numbers = [...one.invoices, ...three.invoices].map((i) => i.number);
    expect(new Set(numbers).size).toBe(4);
  });

  it('says a card was added when only the list that follows fails, so nobody adds it twice', async () => {
    const { client, sandbox } = await setup();
    const handlers = createSpatialFlowHandlers(() => Promise.resolve(client));
    sandbox.server.setFaults([{ kind: 'status', status: 503, path: CARDS, method: 'GET' }]);
    const error = await failure(handlers['spatialflow.addPaymentMethod']({ accountId: 'acct-1', paymentMethodId: 'pm_card_amex' }, ctx));
    expect(error.code).toBe('server');
    expect(error.message).toMatch(/^The card was added\. It went through/);
    sandbox.server.clearFaults();
    expect((await client.listPaymentMethods()).map((c) => c.id)).toContain('pm_card_amex');
  });

  it.each([
    ['a null message', '/message', null],
    ['a detail object', '/detail', { payment_method_id: 'pm_card_amex' }],
    ['a message that is not text', '/message', 42],
  ] as const)('reports a card added, made default and removed as done when the answer has %s', async (_what, pointer, value) => {
    const { client, sandbox, calls } = await setup();
    const handlers = createSpatialFlowHandlers(() => Promise.resolve(client));
    sandbox.server.setFaults([{ kind: 'patch', pointer, value, path: CARDS, method: 'POST' }, { kind: 'patch', pointer, value, path: CARDS, method: 'PUT' }, { kind: 'patch', pointer, value, path: CARDS, method: 'DELETE' }]);
    const added = await handlers['spatialflow.addPaymentMethod']({ accountId: 'acct-1', paymentMethodId: 'pm_card_amex' }, ctx);
    expect(added.methods.map((c) => c.id)).toContain('pm_card_amex');
    const defaulted = await handlers['spatialflow.setDefaultPaymentMethod']({ accountId: 'acct-1', paymentMethodId: 'pm_card_amex' }, ctx);
    expect(defaulted.methods[0]).toMatchObject({ id: 'pm_card_amex', isDefault: true });
    const other = defaulted.methods[1]?.id ?? '';
    const removed = await handlers['spatialflow.removePaymentMethod']({ accountId: 'acct-1', paymentMethodId: other }, ctx);
    expect(removed.methods.map((c) => c.id)).not.toContain(other);
    expect(calls('POST', CARDS)).toHaveLength(1);
    // Only a message that is text is kept.
    expect(await client.addPaymentMethod('pm_card_mastercard')).toEqual(pointer === '/detail' ? { message: 'Payment method added' } : {});
  });

  it('offers and downloads the PDF of an invoice that leaves invoice_pdf out, but not of one that says null', async () => {
    const { client, sandbox } = await setup();
    const handlers = createSpatialFlowHandlers(() => Promise.resolve(client));
    sandbox.server.setFaults([
      { kind: 'patch', pointer: '/invoices/0/invoice_pdf', value: undefined, path: INVOICES, times: 1 },
      { kind: 'patch', pointer: '/invoices/1/invoice_pdf', value: null, path: INVOICES, times: 1 },
    ]);
    const page = await handlers['spatialflow.listInvoices'](argSchemas['spatialflow.listInvoices'].parse({ accountId: 'acct-1', limit: 2 }), ctx);
    expect(sandbox.server.exchanges.at(-1)?.responseBody).not.toHaveProperty('invoices.0.invoice_pdf');
    const [unsaid, none] = page.invoices;
    expect(unsaid?.hasPdf).toBe(true);
    expect(none?.hasPdf).toBe(false);
    const pdf = await client.fetchInvoicePdf(unsaid?.id ?? '');
    expect(new TextDecoder().decode(pdf.bytes.subarray(0, 5))).toBe('%PDF-');
    expect(pdf.suggestedName).toBe(`Invoice-${unsaid?.number}.pdf`);
  });

  it('rejects bad arguments in the schemas', () => {
    const bad: [keyof typeof spatialflowArgs, unknown][] = [
      ['spatialflow.listInvoices', { accountId: 'a', limit: 0 }],
      ['spatialflow.listInvoices', { accountId: 'a', limit: 101 }],
      ['spatialflow.listInvoices', { accountId: 'a', limit: 2.5 }],
      ['spatialflow.listInvoices', { accountId: 'a', startingAfter: '../../etc' }],
      ['spatialflow.listInvoices', { accountId: '' }],
      ['spatialflow.listInvoices', { accountId: 'x'.repeat(65) }],
      ['spatialflow.getInvoice', { accountId: 'a', invoiceId: 'pm_123' }],
      ['spatialflow.getInvoice', { accountId: 'a', invoiceId: 'in_1', extra: true }],
      ['spatialflow.removePaymentMethod', { accountId: 'a', paymentMethodId: 'pm_a/b' }],
      ['spatialflow.addPaymentMethod', { accountId: 'a' }],
      ['spatialflow.changePlan', { accountId: 'a', newPlanId: 'plan pro' }],
      ['spatialflow.cancelSubscription', { accountId: 'a', reason: 'x' }],
    ];
    for (const [channel, args] of bad) {
      expect(spatialflowArgs[channel].safeParse(args).success, `${channel} ${JSON.stringify(args)}`).toBe(false);
    }
    expect(spatialflowArgs['spatialflow.listInvoices'].parse({ accountId: 'a' })).toEqual({ accountId: 'a', limit: 10 });
  });
});
