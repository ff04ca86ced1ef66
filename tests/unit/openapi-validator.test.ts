import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOpenApi, specFiles, validateExchange } from '../support/openapi';
import { startSandbox } from '../../main/sandbox/kit';
import type { Exchange } from '../../main/sandbox/kit';

function ex(partial: Partial<Exchange> & Pick<Exchange, 'method' | 'path' | 'status'>): Exchange {
  return { query: '', requestHeaders: {}, requestBody: undefined, responseBody: undefined, ...partial };
}

const soracom = loadOpenApi(specFiles.soracom);
const spatialflow = loadOpenApi(specFiles.spatialflow);
const agilicus = loadOpenApi(specFiles.agilicus);

describe('loadOpenApi', () => {
  it('loads the three provider specs with their versions and server base paths', () => {
    expect(soracom.version).toBe('3.0');
    expect(soracom.serverBasePath).toBe('/v1');
    expect(spatialflow.version).toBe('3.1');
    expect(spatialflow.serverBasePath).toBe('');
    expect(agilicus.version).toBe('3.0');
    expect(agilicus.serverBasePath).toBe('');
  });
});

describe('validateExchange: Soracom (3.0, /v1 in the server URL)', () => {
  const bill = { amount: 28734.5, currency: 'JPY', paymentStatus: 'paid', state: 'closed', yearMonth: '202208' };

  it('accepts a conforming exchange and strips /v1', () => {
    expect(validateExchange(soracom, ex({ method: 'GET', path: '/v1/bills/202208', status: 200, responseBody: bill }))).toEqual([]);
    expect(validateExchange(soracom, ex({ method: 'GET', path: '/v1/bills', status: 200, responseBody: { billList: [bill] } }))).toEqual([]);
  });

  it('prefers a literal path over a template (/bills/latest vs /bills/{yyyyMM})', () => {
    const problems = validateExchange(soracom, ex({ method: 'GET', path: '/v1/bills/latest', status: 200, responseBody: { amount: 'x' } }));
    expect(problems.join('\n')).toContain('/bills/latest');
  });

  it('reports response schema mismatches', () => {
    const problems = validateExchange(soracom, ex({ method: 'GET', path: '/v1/bills/202208', status: 200, responseBody: { amount: '12', currency: 'GBP' } }));
    expect(problems.some((p) => p.includes('/amount') && p.includes('number'))).toBe(true);
    expect(problems.some((p) => p.includes('/currency'))).toBe(true);
  });

  it('checks request bodies', () => {
    const ok = ex({
      method: 'POST',
      path: '/v1/auth',
      status: 200,
      requestBody: { authKeyId: 'keyId-1', authKey: 'secret-1' },
      responseBody: { apiKey: 'a', operatorId: 'OP1', token: 't' },
    });
    expect(validateExchange(soracom, ok)).toEqual([]);
    const bad = { ...ok, requestBody: { authKeyId: 1, tokenTimeoutSeconds: 999999 } };
    const problems = validateExchange(soracom, bad);
    expect(problems.some((p) => p.includes('request body') && p.includes('/authKeyId'))).toBe(true);
    expect(problems.some((p) => p.includes('/tokenTimeoutSeconds'))).toBe(true);
    expect(validateExchange(soracom, { ...ok, requestBody: undefined }).join()).toContain('body is required');
  });

  it('reports unknown paths, methods and undocumented statuses', () => {
    expect(validateExchange(soracom, ex({ method: 'GET', path: '/v1/nothing', status: 200 }))[0]).toContain('not in the spec');
    expect(validateExchange(soracom, ex({ method: 'DELETE', path: '/v1/bills', status: 204 }))[0]).toContain('method is not in the spec');
    const fault = ex({ method: 'GET', path: '/v1/bills', status: 503, responseBody: { code: 'X' } });
    expect(validateExchange(soracom, fault)[0]).toContain('503 is not documented');
    expect(validateExchange(soracom, fault, { ignoreUndocumentedStatus: true })).toEqual([]);
  });

  it('accepts an explicit basePath', () => {
    const e = ex({ method: 'GET', path: '/sandbox/soracom/bills', status: 200, responseBody: { billList: [] } });
    expect(validateExchange(soracom, e, { basePath: '/sandbox/soracom' })).toEqual([]);
  });
});

describe('validateExchange: SpatialFlow (3.1)', () => {
  const invoice = {
    id: 'in_1',
    number: 'A-1',
    status: 'paid',
    amount_due: 1900,
    amount_paid: 1900,
    currency: 'usd',
    period_start: 1,
    period_end: 2,
    created_at: 3,
    invoice_pdf: null,
    line_items: [{ description: 'Pro', quantity: 1, unit_amount: 1900, amount: 1900 }],
  };

  it('accepts a list with nullable fields and checks query parameters', () => {
    const e = ex({ method: 'GET', path: '/api/v1/billing/invoices', query: 'limit=10&starting_after=in_0', status: 200, responseBody: { invoices: [invoice], has_more: false } });
    expect(validateExchange(spatialflow, e)).toEqual([]);
    expect(validateExchange(spatialflow, { ...e, query: 'limit=ten&bogus=1' })).toEqual([
      "GET /api/v1/billing/invoices: query parameter 'limit' must be an integer",
      "GET /api/v1/billing/invoices: query parameter 'bogus' is not declared",
    ]);
  });

  it('reports missing required fields', () => {
    const { id: _id, ...noId } = invoice;
    const e = ex({ method: 'GET', path: '/api/v1/billing/invoices/in_1', status: 200, responseBody: noId });
    expect(validateExchange(spatialflow, e).join()).toContain("must have required property 'id'");
  });

  it('validates error bodies against the documented error status', () => {
    const e = ex({ method: 'GET', path: '/api/v1/billing/invoices/in_9', status: 404, responseBody: { detail: 'Not found', error_code: null } });
    expect(validateExchange(spatialflow, e)).toEqual([]);
    expect(validateExchange(spatialflow, { ...e, responseBody: { message: 'x' } }).join()).toContain("required property 'detail'");
  });
});

describe('validateExchange: Agilicus (reconstructed 3.0, /v1 in the paths)', () => {
  it('validates a billing account and path-level parameters', () => {
    const e = ex({
      method: 'GET',
      path: '/v1/billing_accounts/ba1',
      query: 'org_id=o1&get_customer_data=true',
      status: 200,
      responseBody: { metadata: { id: 'ba1', created: '2024-01-01T00:00:00Z' }, spec: { customer_id: 'c', dev_mode: false } },
    });
    expect(validateExchange(agilicus, e)).toEqual([]);
    const bad = { ...e, responseBody: { metadata: { created: 'yesterday' } } };
    expect(validateExchange(agilicus, bad).join()).toContain('/metadata/created must match format "date-time"');
  });

  it('accepts an undocumented error body when the response has no content', () => {
    const e = ex({ method: 'GET', path: '/v1/billing_accounts/nope', status: 404, responseBody: { error: 'gone' } });
    expect(validateExchange(agilicus, e)).toEqual([]);
  });
});

describe('missing refs in trimmed specs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'openapi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'spec.yaml');
  writeFileSync(
    file,
    `openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /ok:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Fine'}
  /broken:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Gone'}
  /broken-response:
    get:
      responses:
        '200': {$ref: '#/components/responses/Missing'}
components:
  schemas:
    Fine:
      type: object
      properties:
        name: {type: string, nullable: true}
    Unused:
      $ref: '#/components/schemas/AlsoGone'
`,
  );
  const spec = loadOpenApi(file);

  it('ignores unreferenced broken schemas and handles nullable', () => {
    expect(validateExchange(spec, ex({ method: 'GET', path: '/ok', status: 200, responseBody: { name: null } }))).toEqual([]);
  });

  it('reports a missing ref only when used', () => {
    expect(validateExchange(spec, ex({ method: 'GET', path: '/broken', status: 200, responseBody: {} })).join()).toMatch(/Gone/);
    expect(validateExchange(spec, ex({ method: 'GET', path: '/broken-response', status: 200, responseBody: {} })).join()).toContain(
      '#/components/responses/Missing is missing',
    );
  });
});

describe('with a real sandbox exchange', () => {
  it('validates what the sandbox recorded', async () => {
    const sb = await startSandbox({
      routes: [{ method: 'GET', pattern: '/v1/bills/:m', handler: (r) => ({ status: 200, json: { yearMonth: r.params['m'], amount: 10, currency: 'USD' } }) }],
    });
    try {
      await (await fetch(`${sb.url}/v1/bills/202401`)).text();
      const recorded = sb.exchanges[0];
      expect(recorded).toBeDefined();
      expect(validateExchange(soracom, recorded!)).toEqual([]);
    } finally {
      await sb.close();
    }
  });
});
