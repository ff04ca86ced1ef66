import Papa from 'papaparse';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSoracomError } from '../../../main/providers/soracom/auth';
import {
  createSoracomClient,
  SORACOM_BASE_URLS,
  type SoracomClient,
  type SoracomClientOptions,
  type SoracomSession,
} from '../../../main/providers/soracom/client';
import { isoDate, lastEvaluatedIso, mapBillingHistory, mapDailyBills, mapLatestBill, mapMonthlyBill } from '../../../main/providers/soracom/map';
import {
  billingHistorySchema,
  dailyBillResponseSchema,
  fileExportResponseSchema,
  latestBillSchema,
  monthlyBillSchema,
} from '../../../main/providers/soracom/schemas';
import { memorySessionStore } from '../../../main/providers/session-store';
import { startSoracomSandbox, type SoracomSandbox } from '../../../main/sandbox/soracom';
import { generateDetailedCsv, summarizeMonth } from '../../../main/sandbox/soracom/csv';
import { failure } from '../../support/errors';
import { AppError } from '../../../main/http/errors';
import { createTaskRegistry } from '../../../main/files/tasks';
import { createFilesService, type FilesServiceDeps } from '../../../main/services/files';
import { createDownloadedExports, createSoracomHandlers } from '../../../main/services/soracom';

const NOW = new Date('2025-03-15T10:23:45Z');
const CURRENT = '202503';
const PREVIOUS = '202502';
const OLDEST = '202310';
const FAST_HTTP = {
  retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 20 },
  // Generous, so a busy machine does not turn a slow answer into a failure; the timeout test sets its own.
  connectTimeoutMs: 10_000,
  totalTimeoutMs: 10_000,
};
const FAST_POLL = { pollIntervalMs: 5, maxPollIntervalMs: 10, timeoutMs: 5000 };

let sb: SoracomSandbox;

function makeClient(extra: Partial<SoracomClientOptions> = {}): SoracomClient {
  return createSoracomClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, http: FAST_HTTP, ...extra });
}


/** Method + path (without /v1) + status of the exchanges recorded since `from`. */
function trail(from = 0): string[] {
  return sb.server.exchanges.slice(from).map((x) => `${x.method} ${x.path.replace(/^\/v1/, '')} ${x.status}`);
}

function parseCsv(bytes: Uint8Array): { text: string; rows: Record<string, string>[]; fields: string[] } {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { text, rows: parsed.data, fields: parsed.meta.fields ?? [] };
}

/** Sum of decimal strings with at most 2 fraction digits, in minor units of `digits`. */
function sumMinor(values: string[], digits: number): number {
  return values.reduce((acc, v) => acc + Math.round(Number(v) * 10 ** digits), 0);
}

beforeAll(async () => {
  sb = await startSoracomSandbox({ seed: 11, now: NOW });
});

afterAll(async () => {
  await sb.close();
});

describe('Soracom billing operations', () => {
  let client: SoracomClient;
  beforeEach(() => {
    client = makeClient();
  });

  it('gets 18 months of history, newest first, the current month temporary', async () => {
    const res = await client.getBillingHistory();
    expect(res.billList).toHaveLength(18);
    const [current, previous] = res.billList;
    expect(current).toMatchObject({ yearMonth: CURRENT, state: 'temporary', currency: 'JPY' });
    expect(current?.paymentStatus).toBeUndefined();
    expect(previous).toMatchObject({ yearMonth: PREVIOUS, state: 'closed', paymentStatus: 'paying' });
    expect(res.billList.at(-1)).toMatchObject({ yearMonth: OLDEST, paymentStatus: 'lessThanMinimumCharge' });
    expect(res.billList.slice(1).every((b) => b.state === 'closed' && /^\d{17}_[0-9a-f-]{36}$/.test(b.paymentTransactionId ?? ''))).toBe(true);
    expect(res.billList.filter((b) => (b.appliedCouponAmount ?? 0) > 0)).toHaveLength(4);

    const mapped = mapBillingHistory(res, client.defaultCurrency);
    expect(mapped.bills[1]?.amount).toEqual({ minor: previous?.amount, currency: 'JPY' });
  });

  it('gets one month, and not_found with the provider message for a month without a bill', async () => {
    const bill = await client.getBilling(PREVIOUS);
    const history = await client.getBillingHistory();
    expect(bill).toEqual(history.billList[1]);
    expect(mapMonthlyBill(bill, 'JPY')).toMatchObject({ yearMonth: PREVIOUS, state: 'closed', paymentStatus: 'paying' });

    const err = await failure(client.getBilling('202309'));
    expect(err.code).toBe('not_found');
    expect(err.status).toBe(404);
    expect(err.providerCode).toBe('BIL0001');
    expect(err.providerMessage).toBe('No bill found for 202309');
    expect((await failure(client.getBillingPerDay('202504'))).code).toBe('not_found');
    expect((await failure(client.getBilling('2025-03'))).code).toBe('validation');
  });

  it('gets daily bills that, with the monthly fees, add up to the month', async () => {
    const daily = await client.getBillingPerDay(PREVIOUS);
    expect(daily.billList).toHaveLength(28);
    expect(daily.billList[0]?.date).toBe('20250228');
    const bill = await client.getBilling(PREVIOUS);
    const dailySum = daily.billList.reduce((a, d) => a + d.amount, 0);
    const monthly = sb.data.month(PREVIOUS)?.usage().monthlyMinor ?? NaN;
    expect(monthly).toBeLessThan(0); // the free tier and volume discount outweigh the monthly options
    expect(dailySum + monthly).toBe(bill.amount);

    const mapped = mapDailyBills(PREVIOUS, daily, 'JPY');
    expect(mapped.days[0]).toEqual({ date: '2025-02-28', amount: { minor: daily.billList[0]?.amount, currency: 'JPY' } });
    expect(mapped.totals).toEqual([{ minor: dailySum, currency: 'JPY' }]);

    // The current month runs up to today.
    const current = await client.getBillingPerDay(CURRENT);
    expect(current.billList.map((d) => d.date)[0]).toBe('20250315');
    expect(current.billList).toHaveLength(15);
  });

  it('gets the latest (preliminary) bill', async () => {
    const latest = await client.getLatestBilling();
    expect(latest.lastEvaluatedTime).toBe('20250315100000');
    const current = await client.getBilling(CURRENT);
    expect(latest.amount).toBe(current.amount);
    expect(mapLatestBill(latest, 'JPY')).toEqual({
      amount: { minor: current.amount, currency: 'JPY' },
      lastEvaluatedTime: '20250315100000',
      lastEvaluatedAt: '2025-03-15T10:00:00.000Z',
    });
    expect(lastEvaluatedIso('20251315100000')).toBeUndefined();
  });

  it('exports a month asynchronously: processing, exported, then a plain download of a real detailed CSV', async () => {
    await client.login();
    const before = sb.server.exchanges.length;
    const started = await client.exportBilling(PREVIOUS);
    expect(started.exportedFileId).toMatch(/^fe_[0-9a-f-]{36}$/);
    expect(started.exportedFilePath).toBe(`//files/exported/${started.exportedFileId}`);
    const statuses: string[] = [];
    const { url } = await client.waitForExport(started.exportedFileId ?? '', {
      ...FAST_POLL,
      onProgress: (p) => statuses.push(p.status),
    });
    expect(statuses).toEqual(['processing', 'processing', 'exported']);
    expect(trail(before)).toEqual([
      `POST /bills/${PREVIOUS}/export 200`,
      `GET /files/exported/${started.exportedFileId} 200`,
      `GET /files/exported/${started.exportedFileId} 200`,
      `GET /files/exported/${started.exportedFileId} 200`,
    ]);
    expect(sb.server.exchanges[before]?.query).toBe('export_mode=async');
    expect(new URL(url).origin).toBe(sb.files.url);

    const progress: number[] = [];
    const file = await client.downloadExport(url, { onProgress: (p) => progress.push(p.receivedBytes) });
    expect(progress.at(-1)).toBe(file.bytes.byteLength);
    const request = sb.files.requests.at(-1);
    expect(Object.keys(request?.headers ?? {}).filter((h) => h.startsWith('x-soracom') || h === 'authorization')).toEqual([]);

    const { text, rows, fields } = parseCsv(file.bytes);
    expect(file.bytes.slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
    expect(text.split('\r\n')[0]).toBe('\uFEFFimsi,date,billItemName,unitPrice,quantity,amount,tag:name,tag:location,group');
    expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false);
    expect(fields).toEqual(['imsi', 'date', 'billItemName', 'unitPrice', 'quantity', 'amount', 'tag:name', 'tag:location', 'group']);
    expect(rows.length).toBeGreaterThanOrEqual(50_000);
    const freeTier = rows.find((r) => r['billItemName']?.startsWith('Free tier'));
    expect(freeTier).toMatchObject({ imsi: '', date: PREVIOUS });
    expect(Number(freeTier?.['amount'])).toBeLessThan(0);
    expect(rows.some((r) => r['tag:name']?.includes('"Annex", Bldg'))).toBe(true);
    expect(text).toContain('"Vending machines, Kanto"');
    expect(text).toContain('"Field test ""phase 2"""');

    const bill = await client.getBilling(PREVIOUS);
    expect(sumMinor(rows.map((r) => r['amount'] ?? ''), 0)).toBe(bill.amount);
    const daily = await client.getBillingPerDay(PREVIOUS);
    const byDay = new Map<string, number>();
    for (const r of rows) if (r['date']?.length === 8) byDay.set(r['date'], (byDay.get(r['date']) ?? 0) + Number(r['amount']));
    expect(daily.billList.map((d) => [d.date, d.amount])).toEqual([...byDay].reverse());
  });

  it('exports synchronously (URL at once) and exports the latest month', async () => {
    const sync = await client.exportBilling('202412', { mode: 'sync' });
    expect(sync.exportedFileId).toBeUndefined();
    const small = await client.downloadExport(sync.url ?? '');
    const { rows } = parseCsv(small.bytes);
    expect(sumMinor(rows.map((r) => r['amount'] ?? ''), 0)).toBe((await client.getBilling('202412')).amount);

    const latest = await client.exportLatestBilling();
    const { url } = await client.waitForExport(latest.exportedFileId ?? '', FAST_POLL);
    const file = await client.downloadExport(url);
    const parsed = parseCsv(file.bytes);
    expect(parsed.rows.every((r) => r['date'] === CURRENT || (r['date'] ?? '') <= '20250315')).toBe(true);
    expect(sumMinor(parsed.rows.map((r) => r['amount'] ?? ''), 0)).toBe((await client.getLatestBilling()).amount);
  });

  it('reports a failed export clearly', async () => {
    sb.failNextExport();
    const started = await client.exportBilling('202501');
    const err = await failure(client.waitForExport(started.exportedFileId ?? '', FAST_POLL));
    expect(err.code).toBe('server');
    expect(err.message).toMatch(/export failed/);
    // The next one works again.
    const again = await client.exportBilling('202501');
    await expect(client.waitForExport(again.exportedFileId ?? '', FAST_POLL)).resolves.toHaveProperty('url');
  });

  it('gives up waiting after timeoutMs, stops on abort, and 404s an unknown export id', async () => {
    const started = await client.exportBilling('202501');
    const id = started.exportedFileId ?? '';
    expect((await failure(client.waitForExport(id, { pollIntervalMs: 50, timeoutMs: 10 }))).code).toBe('timeout');
    const ac = new AbortController();
    const waiting = client.waitForExport(id, { pollIntervalMs: 1000, timeoutMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await failure(waiting)).code).toBe('cancelled');
    expect((await failure(client.waitForExport('fe_00000000-0000-4000-8000-000000000000', FAST_POLL))).code).toBe('not_found');
    expect((await failure(client.waitForExport('../bills', FAST_POLL))).code).toBe('validation');
  });

  it('the storage host refuses requests carrying Soracom or Authorization headers, and bad signatures', async () => {
    const sync = await client.exportBilling('202411', { mode: 'sync' });
    const url = sync.url ?? '';
    const withToken = await fetch(url, { headers: { 'X-Soracom-Token': 'leak' } });
    expect(withToken.status).toBe(400);
    expect(await withToken.text()).toContain('<Code>InvalidArgument</Code>');
    expect((await fetch(url, { headers: { Authorization: 'Bearer x' } })).status).toBe(400);
    expect((await fetch(url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00'))).status).toBe(403);
    expect((await fetch(url)).status).toBe(200);
  });

  it('testConnection makes one cheap read', async () => {
    const before = sb.server.exchanges.length;
    await expect(client.testConnection()).resolves.toEqual({ operatorId: sb.operatorId });
    expect(trail(before)).toEqual(['POST /auth 200', 'GET /bills/latest 200']);
  });
});

describe('Soracom answers the API allows but the sandbox does not send (every field is optional)', () => {
  const ctx = { events: { emit: () => undefined } };
  let handlers: ReturnType<typeof createSoracomHandlers>;
  beforeEach(() => {
    sb.server.clearFaults();
    handlers = createSoracomHandlers(() => Promise.resolve(makeClient()), { exports: createDownloadedExports(), tasks: createTaskRegistry() });
  });

  it('a latest bill without an amount shows as no amount, and Test connection still succeeds', async () => {
    sb.server.setFaults([{ kind: 'patch', method: 'GET', path: '/v1/bills/latest', pointer: '/amount', value: undefined }]);
    const latest = await handlers['soracom.getLatestBilling']({ accountId: 'a' }, ctx);
    expect(sb.server.exchanges.at(-1)?.responseBody).not.toHaveProperty('amount');
    expect(latest.amount).toBeNull();
    expect(latest.lastEvaluatedTime).toMatch(/^\d{14}$/);
    await expect(makeClient().testConnection()).resolves.toEqual({ operatorId: sb.operatorId });
    sb.server.clearFaults();
  });

  it('a month without an amount or a yearMonth shows as that month with no amount', async () => {
    sb.server.setFaults([
      { kind: 'patch', method: 'GET', path: `/v1/bills/${PREVIOUS}`, pointer: '/amount', value: undefined },
      { kind: 'patch', method: 'GET', path: `/v1/bills/${PREVIOUS}`, pointer: '/yearMonth', value: undefined },
    ]);
    const bill = await handlers['soracom.getBilling']({ accountId: 'a', yyyyMM: PREVIOUS }, ctx);
    expect(bill).toMatchObject({ yearMonth: PREVIOUS, amount: null, state: 'closed' });
    sb.server.clearFaults();
  });

  it('a bill of the history without an amount stays in the list with no amount', async () => {
    sb.server.setFaults([{ kind: 'patch', method: 'GET', path: '/v1/bills', pointer: '/billList/1/amount', value: undefined, times: 1 }]);
    const history = await handlers['soracom.getBillingHistory']({ accountId: 'a' }, ctx);
    expect(history.bills).toHaveLength(18);
    expect(history.bills.filter((b) => b.amount === null)).toHaveLength(1);
    expect(history.unreadable).toBeUndefined();
  });

  it('one day without an amount is left out of the daily bills and their sum, and counted', async () => {
    const whole = await handlers['soracom.getBillingPerDay']({ accountId: 'a', yyyyMM: PREVIOUS }, ctx);
    sb.server.setFaults([{ kind: 'patch', method: 'GET', path: `/v1/bills/${PREVIOUS}/daily`, pointer: '/billList/0/amount', value: undefined, times: 1 }]);
    const daily = await handlers['soracom.getBillingPerDay']({ accountId: 'a', yyyyMM: PREVIOUS }, ctx);
    expect(daily.days).toHaveLength(whole.days.length - 1);
    expect(daily.unreadable).toEqual([{ index: 0, field: 'amount', value: 'missing', problem: expect.any(String) as unknown }]);
    const left = (sb.server.exchanges.at(-1)?.responseBody as { billList: { date: string }[] }).billList[0]?.date ?? '';
    const leftOut = whole.days.find((d) => d.date === isoDate(left));
    expect(daily.totals[0]?.minor).toBe((whole.totals[0]?.minor ?? 0) - (leftOut?.amount.minor ?? 0));
  });
});

describe('Soracom auth', () => {
  it('logs in with an AuthKey, a root account or a SAM user and sends both headers', async () => {
    for (const credentials of [sb.logins.authKey, sb.logins.root, sb.logins.sam]) {
      const session = memorySessionStore<SoracomSession>();
      const client = makeClient({ credentials, session });
      const before = sb.server.exchanges.length;
      await client.getLatestBilling();
      const [auth, call] = sb.server.exchanges.slice(before);
      expect(auth?.path).toBe('/v1/auth');
      expect(auth?.requestHeaders['x-soracom-token']).toBeUndefined();
      expect(auth?.requestBody).toMatchObject({ tokenTimeoutSeconds: 86400 });
      const saved = await session.load();
      expect(call?.requestHeaders['x-soracom-api-key']).toBe(saved?.apiKey);
      expect(call?.requestHeaders['x-soracom-token']).toBe(saved?.token);
      expect(saved?.operatorId).toBe(sb.operatorId);
      expect(saved?.userName).toBe(credentials.kind === 'sam' ? 'billing-reader' : undefined);
    }
  });

  it('sends X-Soracom-Lang to the API when asked, and nothing Soracom to the storage host', async () => {
    const client = makeClient({ lang: 'ja' });
    const before = sb.server.exchanges.length;
    const started = await client.exportBilling('202410', { mode: 'sync' });
    expect(sb.server.exchanges.slice(before).map((x) => x.requestHeaders['x-soracom-lang'])).toEqual([undefined, 'ja']);
    await client.downloadExport(started.url ?? '');
    const headers = Object.keys(sb.files.requests.at(-1)?.headers ?? {});
    expect(headers.filter((h) => h.startsWith('x-soracom') || h === 'authorization')).toEqual([]);
  });

  it('reports refused credentials as auth_failed with the provider message', async () => {
    const client = makeClient({ credentials: { kind: 'root', email: sb.logins.root.email, password: 'wrong' } });
    const err = await failure(client.getBillingHistory());
    expect(err.code).toBe('auth_failed');
    expect(err.providerCode).toBe('AUM0002');
    expect(err.providerMessage).toBe('Invalid credentials');
  });

  it('the sandbox answers 401 with the flat AUM0001 body without a token', async () => {
    const res = await fetch(`${sb.apiUrl}/bills`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'AUM0001', message: expect.any(String) as string });
  });

  it('renews transparently after the tokens expire: 401, refresh answers 400, log in again, retry', async () => {
    const session = memorySessionStore<SoracomSession>();
    const client = makeClient({ session });
    await client.getBillingHistory();
    const first = await session.load();
    sb.expireTokens();
    const before = sb.server.exchanges.length;
    const res = await client.getBillingHistory();
    expect(res.billList).toHaveLength(18);
    expect(trail(before)).toEqual([
      'GET /bills 401',
      `POST /operators/${sb.operatorId}/token 400`,
      'POST /auth 200',
      'GET /bills 200',
    ]);
    expect(sb.server.exchanges[before]?.responseBody).toMatchObject({ code: 'AUM0001' });
    expect(sb.server.exchanges[before + 1]?.responseBody).toMatchObject({ httpStatus: 400, errorMessage: { code: 'AUM0007' } });
    const second = await session.load();
    expect(second?.apiKey).not.toBe(first?.apiKey);
  });

  it('refreshes proactively before the token times out, and logs in again once it has', async () => {
    let clock = 1_000_000;
    const session = memorySessionStore<SoracomSession>();
    const client = makeClient({ session, now: () => clock, tokenTimeoutSeconds: 3600 });
    await client.getLatestBilling();
    const first = await session.load();

    clock += 3000 * 1000; // 83% of the lifetime
    let before = sb.server.exchanges.length;
    await client.getLatestBilling();
    expect(trail(before)).toEqual([`POST /operators/${sb.operatorId}/token 200`, 'GET /bills/latest 200']);
    expect(sb.server.exchanges[before]?.requestBody).toEqual({ tokenTimeoutSeconds: 3600 });
    const second = await session.load();
    expect(second?.apiKey).toBe(first?.apiKey);
    expect(second?.token).not.toBe(first?.token);
    expect(second?.issuedAt).toBe(clock);

    clock += 3700 * 1000; // past the lifetime: the refresh would answer 400, so log in at once
    before = sb.server.exchanges.length;
    await client.getLatestBilling();
    expect(trail(before)).toEqual(['POST /auth 200', 'GET /bills/latest 200']);
  });

  it('reuses a stored session, shares one login between concurrent calls, and logs out', async () => {
    const session = memorySessionStore<SoracomSession>();
    let before = sb.server.exchanges.length;
    const a = makeClient({ session });
    await Promise.all([a.getBillingHistory(), a.getLatestBilling(), a.getBilling(PREVIOUS)]);
    expect(trail(before).filter((t) => t.startsWith('POST /auth'))).toHaveLength(1);

    before = sb.server.exchanges.length;
    const b = makeClient({ session });
    await b.getLatestBilling();
    expect(trail(before)).toEqual(['GET /bills/latest 200']);

    before = sb.server.exchanges.length;
    await b.logout();
    expect(await session.load()).toBeUndefined();
    // The revoked pair no longer works anywhere.
    const stale = a.auth.currentPair();
    expect((await fetch(`${sb.apiUrl}/bills`, { headers: stale })).status).toBe(401);
    await a.getLatestBilling();
    expect(trail(before)).toEqual([
      'POST /auth/logout 204',
      'GET /bills 401',
      'GET /bills/latest 401',       `POST /operators/${sb.operatorId}/token 401`,
      'POST /auth 200',
      'GET /bills/latest 200',
    ]);
  });
});

describe('Soracom faults through the client', () => {
  let client: SoracomClient;
  beforeEach(async () => {
    sb.server.clearFaults();
    client = makeClient();
    await client.login();
  });

  it('waits for Retry-After on 429 and then succeeds on GET', async () => {
    sb.server.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 1, times: 1, path: '/v1/bills' }]);
    const before = sb.server.exchanges.length;
    await expect(client.getBillingHistory()).resolves.toHaveProperty('billList');
    expect(trail(before)).toEqual(['GET /bills 429', 'GET /bills 200']);
    sb.server.clearFaults();
  });

  it.each([500, 503])('retries %i on GET', async (status) => {
    sb.server.setFaults([{ kind: 'status', status, times: 2, path: '/v1/bills/latest' }]);
    const before = sb.server.exchanges.length;
    await expect(client.getLatestBilling()).resolves.toHaveProperty('amount');
    expect(trail(before)).toEqual([`GET /bills/latest ${status}`, `GET /bills/latest ${status}`, 'GET /bills/latest 200']);
  });

  it.each([500, 503])('does not retry %i on the export POST, and carries the provider message', async (status) => {
    sb.server.setFaults([{ kind: 'status', status, path: `/v1/bills/${PREVIOUS}/export` }]);
    const before = sb.server.exchanges.length;
    const err = await failure(client.exportBilling(PREVIOUS));
    expect(err.code).toBe('server');
    expect(err.providerCode).toBe('COM0003');
    expect(err.providerMessage).toContain(`HTTP ${status}`);
    expect(trail(before)).toEqual([`POST /bills/${PREVIOUS}/export ${status}`]);
  });

  it('gives up on a hung request with timeout', async () => {
    sb.server.setFaults([{ kind: 'hang', path: '/v1/bills' }]);
    const impatient = makeClient({ http: { ...FAST_HTTP, totalTimeoutMs: 300 } });
    expect((await failure(impatient.getBillingHistory())).code).toBe('timeout');
  });

  it.each(['malformed_json', 'truncated_body'] as const)('%s -> invalid_response', async (kind) => {
    sb.server.setFaults([{ kind, path: '/v1/bills/latest', times: 1 }]);
    expect((await failure(client.getLatestBilling())).code).toBe('invalid_response');
  });

  it('fails the export wait when a poll keeps failing', async () => {
    const started = await client.exportBilling(PREVIOUS);
    sb.server.setFaults([{ kind: 'status', status: 500, path: '/v1/files/exported/' }]);
    const err = await failure(client.waitForExport(started.exportedFileId ?? '', FAST_POLL));
    expect(err.code).toBe('server');
  });
});

describe('Soracom schemas and money', () => {
  it('accepts seed-era integer amounts without currency, and unknown enum values', () => {
    const legacy = billingHistorySchema.parse({
      billList: [{ amount: 28734, paymentStatus: 'paid', paymentTransactionId: 'x', yearMonth: '202208' }],
    });
    expect(mapBillingHistory(legacy, 'JPY').bills[0]).toEqual({
      yearMonth: '202208',
      amount: { minor: 28734, currency: 'JPY' },
      paymentStatus: 'paid',
      paymentTransactionId: 'x',
    });
    const bill = monthlyBillSchema.parse({ amount: 12.5, currency: 'usd', paymentStatus: 'brand_new_status', state: 'reopened', yearMonth: '202401', extra: 1 });
    expect(mapMonthlyBill(bill, 'JPY')).toMatchObject({ amount: { minor: 1250, currency: 'USD' }, paymentStatus: 'brand_new_status', state: 'reopened' });
    expect(dailyBillResponseSchema.parse({}).billList).toEqual([]);
    expect(latestBillSchema.parse({ amount: 3 })).toEqual({ amount: 3 });
    expect(monthlyBillSchema.safeParse({ amount: '12', yearMonth: '202401' }).success).toBe(false);
    expect(fileExportResponseSchema.safeParse({}).success).toBe(false);
  });

  it('reads both error shapes and asks for renewal on any 401', () => {
    expect(parseSoracomError(400, { httpStatus: 400, errorMessage: { code: 'AUM0007', message: 'expired' } })).toEqual({
      providerCode: 'AUM0007',
      providerMessage: 'expired',
    });
    expect(parseSoracomError(401, { code: 'AUM0001', message: 'Token is required in the request header' })).toEqual({
      providerCode: 'AUM0001',
      providerMessage: 'Token is required in the request header',
      expiredToken: true,
    });
    expect(parseSoracomError(500, 'oops')).toEqual({});
  });

  it('defaults the currency from the coverage, or from the option', () => {
    const creds = { kind: 'authKey' as const, authKeyId: 'k', authKey: 's' };
    expect(createSoracomClient({ baseUrl: SORACOM_BASE_URLS.japan, credentials: creds }).defaultCurrency).toBe('JPY');
    expect(createSoracomClient({ baseUrl: SORACOM_BASE_URLS.global, credentials: creds }).defaultCurrency).toBe('USD');
    expect(createSoracomClient({ baseUrl: SORACOM_BASE_URLS.global, credentials: creds, defaultCurrency: 'eur' }).defaultCurrency).toBe('EUR');
  });

  it('reads old-shape responses from a sandbox in legacy mode and decimal USD amounts from a global one', async () => {
    const legacy = await startSoracomSandbox({ seed: 3, now: NOW, legacyShapes: true });
    const usd = await startSoracomSandbox({ seed: 3, now: NOW, currency: 'USD' });
    try {
      const lc = createSoracomClient({ baseUrl: legacy.apiUrl, credentials: legacy.credentials, http: FAST_HTTP, defaultCurrency: 'JPY' });
      const raw = await lc.getBilling(PREVIOUS);
      expect(raw.currency).toBeUndefined();
      expect(raw.state).toBeUndefined();
      expect(Number.isInteger(raw.amount)).toBe(true);
      expect(mapMonthlyBill(raw, lc.defaultCurrency).amount?.currency).toBe('JPY');

      const uc = createSoracomClient({ baseUrl: usd.apiUrl, credentials: usd.credentials, http: FAST_HTTP });
      const bill = await uc.getBilling('202412');
      expect(bill.currency).toBe('USD');
      const money = mapMonthlyBill(bill, 'JPY').amount!;
      expect(money.currency).toBe('USD');
      expect(money.minor).toBe(usd.data.month('202412')?.usage().totalMinor);
      const daily = mapDailyBills('202412', await uc.getBillingPerDay('202412'), 'JPY');
      expect(daily.totals[0]?.minor).toBe((usd.data.month('202412')?.usage().totalMinor ?? 0) - (usd.data.month('202412')?.usage().monthlyMinor ?? 0));
    } finally {
      await Promise.all([legacy.close(), usd.close()]);
    }
  });
});

describe('Soracom sandbox data', () => {
  it('is deterministic for a seed and generates the CSV from the same rows as the totals', () => {
    const opts = { seed: 5, yyyyMM: '202406', currency: 'EUR' as const, sims: 25 };
    const csv = generateDetailedCsv(opts);
    expect(generateDetailedCsv(opts)).toBe(csv);
    expect(generateDetailedCsv({ ...opts, seed: 6 })).not.toBe(csv);
    const parsed = Papa.parse<Record<string, string>>(csv.slice(1), { header: true, skipEmptyLines: true });
    const summary = summarizeMonth(opts);
    expect(parsed.data).toHaveLength(summary.rows);
    expect(sumMinor(parsed.data.map((r) => r['amount'] ?? ''), 2)).toBe(summary.totalMinor);
    expect(parsed.data.some((r) => r['billItemName']?.startsWith('Volume discount') && Number(r['amount']) < 0)).toBe(true);
  });

  it('scales the big month with scale.csvRows', async () => {
    const small = await startSoracomSandbox({ seed: 2, now: NOW, scale: { csvRows: 120_000 } });
    try {
      expect(small.data.month(PREVIOUS)?.usage().rows).toBeGreaterThanOrEqual(120_000);
      expect(small.data.month('202412')?.usage().rows).toBeLessThan(5000);
    } finally {
      await small.close();
    }
  });
});

describe('cancelling a Soracom export', () => {
  beforeEach(() => sb.server.clearFaults());
  type Progress = { taskId: string; label: string; state: string };
  function setup() {
    const tasks = createTaskRegistry();
    const client = makeClient();
    const exports = createDownloadedExports();
    const progress: Progress[] = [];
    const ctx = { events: { emit: (event: string, payload: unknown) => void (event === 'task.progress' && progress.push(payload as Progress)) } };
    // Polls 2 s apart: the export is still being prepared when the cancel comes.
    const soracom = createSoracomHandlers(() => Promise.resolve(client), { tasks, exports, exportPoll: { pollIntervalMs: 2000, maxPollIntervalMs: 2000, timeoutMs: 60_000 } });
    // Only files.cancel is called: the rest of the files service is never reached.
    const unused = {} as never;
    const deps: FilesServiceDeps = { platform: unused, accounts: unused, library: unused, settings: unused, soracomExports: exports, tasks };
    const files = createFilesService(deps).handlers;
    return { soracom, files, progress, ctx, exports };
  }
  const waitFor = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('files.cancel {taskId} stops a running export: the call answers cancelled, the task says so, nothing is downloaded', async () => {
    const { soracom, files, progress, ctx } = setup();
    const from = sb.server.exchanges.length;
    const exporting = soracom['soracom.exportBilling']({ accountId: 'acc-1', yyyyMM: PREVIOUS, taskId: 'export-cancel-1' }, ctx);
    exporting.catch(() => undefined);
    // "Being prepared" is said before the first look at the export: the cancel comes after that look.
    await waitFor(() => progress.some((p) => /being prepared/.test(p.label)) && trail(from).some((line) => line.startsWith('GET /files/exported/')));
    const started = Date.now();
    expect(await files['files.cancel']({ taskId: 'export-cancel-1' }, ctx)).toEqual({ cancelled: true });
    await expect(exporting).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(progress.at(-1)).toMatchObject({ taskId: 'export-cancel-1', state: 'cancelled' });
    expect(trail(from).filter((line) => !line.startsWith('POST /auth'))).toEqual([`POST /bills/${PREVIOUS}/export 200`, expect.stringMatching(/^GET \/files\/exported\/\S+ 200$/)]);
    // Finished: nothing left to cancel, and the id can be used again.
    expect(await files['files.cancel']({ taskId: 'export-cancel-1' }, ctx)).toEqual({ cancelled: false });
  });

  it('a cancel that comes before the export is registered stops it before anything is asked of Soracom', async () => {
    const { soracom, files, progress, ctx } = setup();
    const from = sb.server.exchanges.length;
    const exporting = soracom['soracom.exportBilling']({ accountId: 'acc-1', yyyyMM: PREVIOUS, taskId: 'export-early' }, ctx);
    exporting.catch(() => undefined);
    // The handler is still getting its client: the task is not registered yet.
    expect(await files['files.cancel']({ taskId: 'export-early' }, ctx)).toEqual({ cancelled: false });
    await expect(exporting).rejects.toMatchObject({ code: 'cancelled' });
    expect(progress.at(-1)).toMatchObject({ taskId: 'export-early', state: 'cancelled' });
    expect(trail(from).filter((line) => !line.startsWith('POST /auth'))).toEqual([]);
  });

  it('two exports cannot share a task id, and an export that finished is not cancellable', async () => {
    const { soracom, files, ctx, exports } = setup();
    const first = soracom['soracom.exportLatestBilling']({ accountId: 'acc-1', taskId: 'export-dup' }, ctx);
    first.catch(() => undefined);
    await expect(soracom['soracom.exportLatestBilling']({ accountId: 'acc-1', taskId: 'export-dup' }, ctx)).rejects.toMatchObject({ code: 'conflict' });
    expect(await files['files.cancel']({ taskId: 'export-dup' }, ctx)).toEqual({ cancelled: true });
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    const fast = createSoracomHandlers(() => Promise.resolve(makeClient()), { exports, exportPoll: FAST_POLL, tasks: createTaskRegistry() });
    const done = await fast['soracom.exportBilling']({ accountId: 'acc-1', yyyyMM: PREVIOUS, taskId: 'export-ok' }, ctx);
    expect(exports.get(done.exportedFileId, 'acc-1')?.byteLength).toBe(done.byteLength);
  });
});

describe('a Soracom export that fails while it is downloaded', () => {
  beforeEach(() => sb.server.clearFaults());
  const ctx = { events: { emit: () => undefined } };
  const exportFailingWith = (error: Error) => {
    const exports = createDownloadedExports();
    const client: SoracomClient = { ...makeClient(), downloadExport: () => Promise.reject(error) };
    const soracom = createSoracomHandlers(() => Promise.resolve(client), { exports, exportPoll: FAST_POLL, tasks: createTaskRegistry() });
    return soracom['soracom.exportBilling']({ accountId: 'acc-1', yyyyMM: PREVIOUS }, ctx);
  };

  it('is a save that failed in the folder only when the disk failed; the program’s own error is not said as one', async () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    await expect(exportFailingWith(full)).rejects.toMatchObject({ code: 'disk_full', message: expect.stringMatching(/^Billfold could not download the Soracom billing CSV \(2025-02\): the disk that holds .+ is full\./) as unknown });

    // A malformed answer that trips the code reading it: thrown as it is, for the router to report
    // as an error inside Billfold, not as a disk that could not be written.
    const bug = new TypeError("Cannot read properties of undefined (reading 'headers')");
    await expect(exportFailingWith(bug)).rejects.toBe(bug);
    const refused = new AppError('server', 'Soracom answered with an error (HTTP 503).', { status: 503 });
    await expect(exportFailingWith(refused)).rejects.toBe(refused);
  });
});
