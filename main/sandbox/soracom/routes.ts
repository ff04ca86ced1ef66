import type { Route, SandboxRequest, SandboxResponse } from '../kit';
import type { Caller, SandboxAuth } from './auth';
import { currencyDigits, detailedCsvChunks, formatMinor } from './csv';
import type { AccountData, MonthRecord } from './data';
import { createPrng, deriveSeed, prngUuid } from '../prng';
import type { SignedStorage } from './storage';

export interface SoracomSandboxState {
  seed: number;
  now: Date;
  data: AccountData;
  auth: SandboxAuth;
  storage: SignedStorage;
  /** Answer in the seed-era (SC-2022) shapes: no currency, state or appliedCouponAmount. */
  legacyShapes: boolean;
  /** Polls of `/files/exported/{id}` answered `processing` before the export is done. */
  exportPolls: number;
  /** Set by `failNextExport()`: the next export ends as `failed`. */
  failNextExport: boolean;
}

interface ExportJob {
  id: string;
  operatorId: string;
  month: MonthRecord;
  pollsLeft: number;
  fails: boolean;
  url?: string;
}

const flat = (status: number, code: string, message: string): SandboxResponse => ({ status, json: { code, message } });

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** yyyyMMddHHmmss in UTC. */
function compactTime(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

export function soracomRoutes(s: SoracomSandboxState): Route[] {
  const digits = currencyDigits[s.data.currency];
  const major = (minor: number): number => Number(formatMinor(minor, digits));
  const jobs = new Map<string, ExportJob>();
  const ids = createPrng(deriveSeed(s.seed, 'exports'));
  const csvCache = new Map<string, Buffer>();

  const csvBytes = (m: MonthRecord): Buffer => {
    let bytes = csvCache.get(m.yyyyMM);
    if (bytes === undefined) {
      bytes = Buffer.concat([...detailedCsvChunks(m.csv)].map((c) => Buffer.from(c, 'utf8')));
      csvCache.set(m.yyyyMM, bytes);
    }
    return bytes;
  };

  /** Puts the month's CSV (generated on first download) behind a fresh signed URL. */
  const publish = (operatorId: string, m: MonthRecord, id: string): string =>
    s.storage.putSigned(`/soracom-billing-exports/${operatorId}/${id}/billing-detail-${m.yyyyMM}.csv`, {
      body: () => csvBytes(m),
      contentType: 'text/csv',
      fileName: `billing-detail-${m.yyyyMM}.csv`,
    });

  const monthlyBill = (m: MonthRecord): Record<string, unknown> => {
    const usage = m.usage();
    const out: Record<string, unknown> = { amount: major(usage.totalMinor) };
    if (!s.legacyShapes) {
      out['currency'] = s.data.currency;
      out['state'] = m.state;
      if (m.state === 'closed') out['appliedCouponAmount'] = major(Math.min(m.appliedCouponMinor, Math.max(0, usage.totalMinor)));
    }
    if (m.paymentStatus !== undefined) out['paymentStatus'] = m.paymentStatus;
    if (m.paymentTransactionId !== undefined) out['paymentTransactionId'] = m.paymentTransactionId;
    out['yearMonth'] = m.yyyyMM;
    return out;
  };

  const findMonth = (raw: string | undefined): MonthRecord | SandboxResponse => {
    if (raw === undefined || !/^\d{6}$/.test(raw)) return flat(400, 'BIL0002', `Invalid yyyyMM: ${raw ?? ''}`);
    const m = s.data.month(raw);
    return m ?? flat(404, 'BIL0001', `No bill found for ${raw}`);
  };

  const startExport = (req: SandboxRequest, caller: Caller, m: MonthRecord): SandboxResponse => {
    const mode = req.query.get('export_mode') ?? 'sync';
    if (mode !== 'async' && mode !== 'sync') return flat(400, 'BIL0003', `Invalid export_mode: ${mode}`);
    const fails = s.failNextExport;
    s.failNextExport = false;
    const id = `fe_${prngUuid(ids)}`;
    if (mode === 'sync') {
      if (fails) return flat(500, 'BIL0004', 'Failed to export the billing CSV');
      return { status: 200, json: { url: publish(caller.operatorId, m, id) } };
    }
    jobs.set(id, { id, operatorId: caller.operatorId, month: m, pollsLeft: s.exportPolls, fails });
    return { status: 200, json: { exportedFileId: id, exportedFilePath: `//files/exported/${id}` } };
  };

  /** Wraps a handler with the API key + token check. */
  const authed =
    (handler: (req: SandboxRequest, caller: Caller) => SandboxResponse) =>
    (req: SandboxRequest): SandboxResponse => {
      const caller = s.auth.authenticate(req);
      return 'status' in caller ? caller : handler(req, caller);
    };

  return [
    { method: 'POST', pattern: '/v1/auth', handler: (req) => s.auth.login(req) },
    { method: 'POST', pattern: '/v1/auth/logout', handler: (req) => s.auth.logout(req) },
    { method: 'POST', pattern: '/v1/operators/:operatorId/token', handler: (req) => s.auth.refresh(req) },
    {
      method: 'GET',
      pattern: '/v1/bills',
      handler: authed(() => ({ status: 200, json: { billList: s.data.months.map(monthlyBill) } })),
    },
    {
      method: 'GET',
      pattern: '/v1/bills/latest',
      handler: authed(() => {
        const usage = s.data.current.usage();
        // Usage is aggregated hourly: the last evaluation is the top of the current hour.
        const evaluated = new Date(s.now);
        evaluated.setUTCMinutes(0, 0, 0);
        const json: Record<string, unknown> = { amount: major(usage.totalMinor) };
        if (!s.legacyShapes) json['currency'] = s.data.currency;
        json['lastEvaluatedTime'] = compactTime(evaluated);
        return { status: 200, json };
      }),
    },
    {
      method: 'POST',
      pattern: '/v1/bills/latest/export',
      handler: authed((req, caller) => startExport(req, caller, s.data.current)),
    },
    {
      method: 'GET',
      pattern: '/v1/bills/:yyyyMM',
      handler: authed((req) => {
        const m = findMonth(req.params['yyyyMM']);
        return 'status' in m ? m : { status: 200, json: monthlyBill(m) };
      }),
    },
    {
      method: 'GET',
      pattern: '/v1/bills/:yyyyMM/daily',
      handler: authed((req) => {
        const m = findMonth(req.params['yyyyMM']);
        if ('status' in m) return m;
        const billList = [...m.usage().daily].reverse().map((d) => {
          const bill: Record<string, unknown> = { amount: major(d.minor) };
          if (!s.legacyShapes) bill['currency'] = s.data.currency;
          bill['date'] = d.date;
          return bill;
        });
        return { status: 200, json: { billList } };
      }),
    },
    {
      method: 'POST',
      pattern: '/v1/bills/:yyyyMM/export',
      handler: authed((req, caller) => {
        const m = findMonth(req.params['yyyyMM']);
        return 'status' in m ? m : startExport(req, caller, m);
      }),
    },
    {
      method: 'GET',
      pattern: '/v1/files/exported/:exportedFileId',
      handler: authed((req, caller) => {
        const job = jobs.get(req.params['exportedFileId'] ?? '');
        if (job === undefined || job.operatorId !== caller.operatorId) {
          return flat(404, 'FIL0001', 'No such exported file');
        }
        if (job.pollsLeft > 0) {
          job.pollsLeft -= 1;
          return { status: 200, json: { status: 'processing' } };
        }
        if (job.fails) return { status: 200, json: { status: 'failed' } };
        job.url ??= publish(job.operatorId, job.month, job.id);
        return { status: 200, json: { status: 'exported', url: job.url } };
      }),
    },
  ];
}
