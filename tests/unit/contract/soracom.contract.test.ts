import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argSchemas } from '../../../contract';
import { soracomArgs } from '../../../contract/channels/soracom';
import type { Events } from '../../../contract/events';
import { AppError } from '../../../main/http/errors';
import { createSoracomClient, type SoracomClient, type SoracomSession } from '../../../main/providers/soracom/client';
import { memorySessionStore } from '../../../main/providers/session-store';
import type { ServiceContext } from '../../../main/router/types';
import { startSoracomSandbox, type SoracomSandbox } from '../../../main/sandbox/soracom';
import { countCsvRows, createDownloadedExports, createSoracomHandlers } from '../../../main/services/soracom';
import { loadOpenApi, specFiles, validateExchange } from '../../support/openapi';

/*
 * Every exchange of the happy paths (and of the documented 404 and refresh answers) must match
 * the trimmed official spec. The seed (SC-2022) and the spec agree on paths; the seed's integer
 * amounts are valid `number`s, so no exchange needs an exception.
 */

const spec = loadOpenApi(specFiles.soracom);
const NOW = new Date('2025-03-15T10:23:45Z');
const HTTP = { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, totalTimeoutMs: 3000 };
const POLL = { pollIntervalMs: 5, maxPollIntervalMs: 10 };

let sb: SoracomSandbox;
let client: SoracomClient;

beforeAll(async () => {
  sb = await startSoracomSandbox({ seed: 11, now: NOW });
  client = createSoracomClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, http: HTTP });
});

afterAll(async () => {
  await sb.close();
});

describe('soracom exchanges against the official OpenAPI file', () => {
  it('every happy-path exchange conforms', async () => {
    await client.getBillingHistory();
    await client.getBilling('202502');
    await client.getBilling('202503');
    await client.getBillingPerDay('202502');
    await client.getLatestBilling();
    await expect(client.getBilling('202001')).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'not_found');

    const month = await client.exportBilling('202501');
    const { url } = await client.waitForExport(month.exportedFileId ?? '', POLL);
    await client.downloadExport(url);
    const latest = await client.exportLatestBilling();
    await client.waitForExport(latest.exportedFileId ?? '', POLL);
    await client.exportBilling('202412', { mode: 'sync' });
    await client.exportLatestBilling({ mode: 'sync' });

    // Every login form, a proactive refresh, and logout.
    for (const credentials of [sb.logins.root, sb.logins.sam]) {
      await createSoracomClient({ baseUrl: sb.apiUrl, credentials, http: HTTP }).login();
    }
    let clock = 0;
    const refreshing = createSoracomClient({
      baseUrl: sb.apiUrl,
      credentials: sb.credentials,
      http: HTTP,
      session: memorySessionStore<SoracomSession>(),
      now: () => clock,
    });
    await refreshing.getLatestBilling();
    clock = 80_000_000;
    await refreshing.getLatestBilling();
    // A refresh with an expired token answers the documented 400 (APICallError).
    sb.expireTokens();
    await refreshing.auth.refresh();
    await refreshing.logout();

    const paths = new Set(sb.server.exchanges.map((x) => `${x.method} ${x.route ?? x.path}`));
    expect(paths).toEqual(
      new Set([
        'POST /v1/auth',
        'POST /v1/auth/logout',
        'POST /v1/operators/:operatorId/token',
        'GET /v1/bills',
        'GET /v1/bills/:yyyyMM',
        'GET /v1/bills/:yyyyMM/daily',
        'GET /v1/bills/latest',
        'POST /v1/bills/:yyyyMM/export',
        'POST /v1/bills/latest/export',
        'GET /v1/files/exported/:exportedFileId',
      ]),
    );
    expect(sb.server.exchanges.some((x) => x.route === '/v1/operators/:operatorId/token' && x.status === 400)).toBe(true);

    const problems = sb.server.exchanges.flatMap((x) => validateExchange(spec, x, { basePath: '/v1' }));
    expect(problems).toEqual([]);
  });
});

describe('soracom handlers', () => {
  const events: Events['task.progress'][] = [];
  const ctx: ServiceContext = {
    events: {
      emit: (event, payload) => {
        if (event === 'task.progress') events.push(payload as Events['task.progress']);
      },
    },
  };
  const exports = createDownloadedExports();
  const takeDownloadedExport = (id: string) => exports.take(id);
  const handlers = createSoracomHandlers(
    (accountId) =>
      accountId === 'acct-soracom' ? Promise.resolve(client) : Promise.reject(new AppError('not_found', 'No such account.')),
    { exportPoll: POLL, exports },
  );

  it('maps history, month, daily and latest to the contract models', async () => {
    const history = await handlers['soracom.getBillingHistory'](soracomArgs['soracom.getBillingHistory'].parse({ accountId: 'acct-soracom' }), ctx);
    expect(history.bills).toHaveLength(18);
    expect(history.bills[0]).toMatchObject({ yearMonth: '202503', state: 'temporary', amount: { currency: 'JPY' } });

    const bill = await handlers['soracom.getBilling'](argSchemas['soracom.getBilling'].parse({ accountId: 'acct-soracom', yyyyMM: '202502' }), ctx);
    expect(bill).toEqual(history.bills[1]);

    const daily = await handlers['soracom.getBillingPerDay'](argSchemas['soracom.getBillingPerDay'].parse({ accountId: 'acct-soracom', yyyyMM: '202502' }), ctx);
    expect(daily.days).toHaveLength(28);
    expect(daily.days[0]?.date).toBe('2025-02-28');

    const latest = await handlers['soracom.getLatestBilling'](argSchemas['soracom.getLatestBilling'].parse({ accountId: 'acct-soracom' }), ctx);
    expect(latest.amount).toEqual(history.bills[0]?.amount);
    expect(latest.lastEvaluatedAt).toBe('2025-03-15T10:00:00.000Z');
  });

  it('runs the whole export with progress events and parks the bytes, not sending them', async () => {
    events.length = 0;
    const args = soracomArgs['soracom.exportBilling'].parse({ accountId: 'acct-soracom', yyyyMM: '202502', taskId: 'export-1' });
    const result = await handlers['soracom.exportBilling'](args, ctx);
    // Neither the bytes nor the pre-signed download URL go to the window.
    expect(Object.keys(result).sort()).toEqual(['byteLength', 'exportedFileId', 'rows']);
    expect(result.rows).toBeGreaterThanOrEqual(50_000);
    expect(events.every((e) => e.taskId === 'export-1')).toBe(true);
    expect(events[0]).toMatchObject({ state: 'running', done: 0 });
    expect(events.some((e) => e.label.includes('being prepared'))).toBe(true);
    expect(events.at(-1)).toMatchObject({ state: 'done', done: result.byteLength, total: result.byteLength });

    const parked = takeDownloadedExport(result.exportedFileId);
    // Parked as a file on disk, not in memory.
    const bytes = new Uint8Array(await fs.readFile(parked!.file));
    expect(parked?.byteLength).toBe(result.byteLength);
    expect(bytes.byteLength).toBe(result.byteLength);
    expect(countCsvRows(bytes)).toBe(result.rows);
    expect(parked?.yyyyMM).toBe('202502');
    expect(takeDownloadedExport(result.exportedFileId)).toBeUndefined();

    const latest = await handlers['soracom.exportLatestBilling'](soracomArgs['soracom.exportLatestBilling'].parse({ accountId: 'acct-soracom' }), ctx);
    expect(latest.byteLength).toBeGreaterThan(0);
    expect(takeDownloadedExport(latest.exportedFileId)?.yyyyMM).toBe('latest');
  });

  it('emits a failed progress event when the export fails', async () => {
    events.length = 0;
    sb.failNextExport();
    const args = soracomArgs['soracom.exportBilling'].parse({ accountId: 'acct-soracom', yyyyMM: '202501', taskId: 'export-2' });
    await expect(handlers['soracom.exportBilling'](args, ctx)).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'server');
    expect(events.at(-1)).toMatchObject({ taskId: 'export-2', state: 'failed' });
  });

  it('rejects bad arguments', () => {
    const bad: [keyof typeof soracomArgs, unknown][] = [
      ['soracom.getBilling', { accountId: 'a', yyyyMM: '2025-02' }],
      ['soracom.getBilling', { accountId: 'a', yyyyMM: '202513' }],
      ['soracom.getBilling', { accountId: 'a', yyyyMM: 202502 }],
      ['soracom.getBillingPerDay', { accountId: '', yyyyMM: '202502' }],
      ['soracom.getBillingHistory', { accountId: 'x'.repeat(65) }],
      ['soracom.getBillingHistory', { accountId: 'a', extra: 1 }],
      ['soracom.getLatestBilling', {}],
      ['soracom.exportBilling', { accountId: 'a', yyyyMM: '202502', taskId: '../../etc' }],
      ['soracom.exportLatestBilling', { accountId: 'a', taskId: 'x'.repeat(65) }],
    ];
    for (const [channel, args] of bad) expect(soracomArgs[channel].safeParse(args).success, JSON.stringify(args)).toBe(false);
    expect(soracomArgs['soracom.exportBilling'].safeParse({ accountId: 'a', yyyyMM: '202502' }).success).toBe(true);
  });
});
