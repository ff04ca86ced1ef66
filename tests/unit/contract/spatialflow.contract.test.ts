import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange } from '../../../main/sandbox/kit';
import { createSpatialFlowClient, type SpatialFlowClient } from '../../../main/providers/spatialflow/client';
import { startSpatialFlowSandbox, type SpatialFlowSandbox } from '../../../main/sandbox/spatialflow';
import { loadOpenApi, specFiles, validateExchange, type OpenApiSpec } from '../../support/openapi';

/**
 * The seed (SDK v1.0.0) calls POST /api/v1/billing/cancel-subscription and
 * /reactivate-subscription, which v1.1.0 removed in favour of PUT
 * /api/v1/subscriptions/cancel|reactivate. The client follows the seed, so the
 * v1.1.0 document is extended with those two routes as v1.0.0 documents them:
 * an optional bare-string body and the responses of their v1.1.0 replacements.
 */
function withSeedRoutes(spec: OpenApiSpec): OpenApiSpec {
  const paths = spec.doc['paths'] as Record<string, Record<string, Record<string, unknown>>>;
  const seedRoutes: [string, string][] = [
    ['/api/v1/billing/cancel-subscription', '/api/v1/subscriptions/cancel'],
    ['/api/v1/billing/reactivate-subscription', '/api/v1/subscriptions/reactivate'],
  ];
  for (const [seedPath, replacement] of seedRoutes) {
    const put = paths[replacement]?.['put'];
    if (put === undefined) throw new Error(`${replacement} is missing from the spec`);
    const post = {
      ...put,
      requestBody: { required: false, content: { 'application/json': { schema: { type: 'string' } } } },
    };
    spec.paths.push({
      template: seedPath,
      regex: new RegExp(`^${seedPath}/?$`),
      params: 0,
      item: { post },
    });
  }
  return spec;
}

describe('SpatialFlow contract (spec v1.1.0 + the seed routes)', () => {
  let sandbox: SpatialFlowSandbox;
  let client: SpatialFlowClient;
  let spec: OpenApiSpec;

  beforeAll(async () => {
    spec = withSeedRoutes(loadOpenApi(specFiles.spatialflow));
    sandbox = await startSpatialFlowSandbox({ seed: 42, now: new Date('2025-10-20T12:00:00Z') });
    client = createSpatialFlowClient({
      baseUrl: sandbox.apiUrl,
      credentials: sandbox.credentials,
      http: { retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 }, totalTimeoutMs: 2_000 },
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('every recorded exchange of the happy paths (and documented errors) conforms', async () => {
    // Happy paths of every operation.
    await client.testConnection();
    await client.listPlans();
    const cards = await client.listPaymentMethods();
    await client.createSetupIntent();
    await client.addPaymentMethod('pm_card_visa');
    await client.setDefaultPaymentMethod('pm_card_visa');
    await client.removePaymentMethod(cards.find((c) => !c.is_default)?.id ?? '');
    const first = await client.listInvoices({ limit: 10 });
    const second = await client.listInvoices({ limit: 10, startingAfter: first.invoices.at(-1)?.id ?? '' });
    expect(second.invoices).toHaveLength(10);
    const id = first.invoices[3]?.id ?? '';
    await client.getInvoice(id);
    await client.downloadInvoice(id);
    await client.previewPlanChange('plan_business');
    await client.changePlan('plan_business');
    await client.cancelSubscription();
    await client.reactivateSubscription();
    await client.getCurrentSubscription();

    // Token expiry and refresh.
    sandbox.expireTokens();
    await client.listPaymentMethods();

    // Documented error answers.
    await expect(client.getInvoice('in_1Missing00000000000000000')).rejects.toMatchObject({ code: 'not_found' });
    await expect(client.removePaymentMethod('pm_notmine')).rejects.toMatchObject({ code: 'not_found' });
    await expect(client.reactivateSubscription()).rejects.toMatchObject({ code: 'validation' });
    await expect(client.previewPlanChange('plan_business')).rejects.toMatchObject({ code: 'validation' });
    await expect(client.addPaymentMethod('pm_card_visa')).rejects.toMatchObject({ code: 'validation' });

    const seen = (m: string, p: string) => sandbox.server.exchanges.some((e) => e.method === m && e.route === p);
    for (const [m, p] of [
      ['POST', '/api/v1/auth/login'],
      ['POST', '/api/v1/auth/refresh'],
      ['GET', '/api/v1/billing/payment-methods'],
      ['POST', '/api/v1/billing/payment-methods'],
      ['PUT', '/api/v1/billing/payment-methods/:pm_id/default'],
      ['DELETE', '/api/v1/billing/payment-methods/:pm_id'],
      ['GET', '/api/v1/billing/invoices'],
      ['GET', '/api/v1/billing/invoices/:invoice_id'],
      ['GET', '/api/v1/billing/invoices/:invoice_id/download'],
      ['POST', '/api/v1/billing/preview-plan-change'],
      ['POST', '/api/v1/billing/change-plan'],
      ['POST', '/api/v1/billing/create-setup-intent'],
      ['POST', '/api/v1/billing/cancel-subscription'],
      ['POST', '/api/v1/billing/reactivate-subscription'],
      ['GET', '/api/v1/subscriptions/current'],
      ['GET', '/api/v1/subscriptions/plans'],
    ] as const) {
      expect(seen(m, p), `${m} ${p} was exercised`).toBe(true);
    }
    expect(sandbox.server.exchanges.some((e) => e.status === 401)).toBe(true);

    const problems = sandbox.server.exchanges.flatMap((e: Exchange) => validateExchange(spec, e));
    expect(problems).toEqual([]);
  });

  it('the v1.1.0 replacement routes conform as well', async () => {
    const token = sandbox.mintAccessToken();
    const before = sandbox.server.exchanges.length;
    for (const p of ['/api/v1/subscriptions/cancel', '/api/v1/subscriptions/reactivate', '/api/v1/subscriptions/reactivate']) {
      await fetch(sandbox.apiUrl + p, { method: 'PUT', headers: { Authorization: `Bearer ${token}` } });
    }
    const recorded = sandbox.server.exchanges.slice(before);
    expect(recorded.map((e) => e.status)).toEqual([200, 200, 400]);
    expect(recorded.flatMap((e) => validateExchange(spec, e))).toEqual([]);
  });

  it('the check is not vacuous: a broken invoice list or body is reported', () => {
    const list = sandbox.server.exchanges.find((e) => e.route === '/api/v1/billing/invoices' && e.status === 200);
    if (list === undefined) throw new Error('no invoice list recorded');
    const body = list.responseBody as { invoices: Record<string, unknown>[] };
    const broken = { ...body, invoices: [{ ...body.invoices[0], amount_due: '49.00' }] };
    expect(validateExchange(spec, { ...list, responseBody: broken }).join('\n')).toMatch(/amount_due/);
    const { has_more: _dropped, ...noHasMore } = body as { has_more?: boolean };
    void _dropped;
    expect(validateExchange(spec, { ...list, responseBody: noHasMore })).not.toEqual([]);
    const add = sandbox.server.exchanges.find((e) => e.method === 'POST' && e.route === '/api/v1/billing/payment-methods');
    if (add === undefined) throw new Error('no add-payment-method recorded');
    expect(validateExchange(spec, { ...add, requestBody: { paymentMethodId: 'pm_card_visa' } }).join('\n')).toMatch(
      /payment_method_id/,
    );
    // The generated schemas have no `type: object`, so even the v1.0.0 bare-string body passes them.
    expect(validateExchange(spec, { ...add, requestBody: 'pm_card_visa' })).toEqual([]);
  });

  it('the plain v1.1.0 document flags only the seed routes', () => {
    const plain = loadOpenApi(specFiles.spatialflow);
    const flagged = new Set(
      sandbox.server.exchanges.filter((e) => validateExchange(plain, e).length > 0).map((e) => `${e.method} ${e.path}`),
    );
    expect([...flagged].sort()).toEqual([
      'POST /api/v1/billing/cancel-subscription',
      'POST /api/v1/billing/reactivate-subscription',
    ]);
  });
});
