import type { SoracomCredentials } from '../../providers/soracom/auth';
import { startSandbox, type SandboxServer } from '../kit';
import { createSandboxAuth, type DemoLogins } from './auth';
import type { SandboxCurrency } from './csv';
import { createAccountData, DEFAULT_BIG_MONTH_ROWS, type AccountData } from './data';
import { soracomRoutes, type SoracomSandboxState } from './routes';
import { startSignedStorage, type SignedStorage } from './storage';

export { generateDetailedCsv, detailedCsvChunks, summarizeMonth } from './csv';

export interface SoracomSandboxOptions {
  seed?: number;
  scale?: {
    /** Minimum data rows of the previous month's detailed CSV (default 50,000). */
    csvRows?: number;
  };
  /** Default: the current time. History covers the 18 months ending with this month (UTC). */
  now?: Date;
  /** Currency of the account: JPY (Japan coverage, default) or USD/EUR (Global coverage). */
  currency?: SandboxCurrency;
  /** Answer in the seed-era shapes: integer-looking amounts, no currency, state or appliedCouponAmount. */
  legacyShapes?: boolean;
  /** `processing` answers before an async export is done; default 2. */
  exportPolls?: number;
}

export interface SoracomSandbox {
  /** The base URL a client uses: `http://127.0.0.1:PORT/v1`. */
  apiUrl: string;
  server: SandboxServer;
  /** The S3-like host the export URLs point at (a separate origin). */
  files: SignedStorage;
  /** AuthKey credentials that work. */
  credentials: SoracomCredentials;
  /** All three login forms that work. */
  logins: DemoLogins;
  operatorId: string;
  data: AccountData;
  /** Expires every token issued so far: calls answer 401, the refresh endpoint 400. */
  expireTokens(): void;
  /** The next export (sync or async) fails: async ones end with status `failed`, sync ones answer 500. */
  failNextExport(): void;
  close(): Promise<void>;
}

export async function startSoracomSandbox(opts: SoracomSandboxOptions = {}): Promise<SoracomSandbox> {
  const seed = opts.seed ?? 20240401;
  const now = opts.now ?? new Date();
  const currency = opts.legacyShapes ? 'JPY' : (opts.currency ?? 'JPY');
  const data = createAccountData({ seed, now, currency, bigMonthRows: opts.scale?.csvRows ?? DEFAULT_BIG_MONTH_ROWS });
  const auth = createSandboxAuth(seed, data.operatorId);
  const storage = await startSignedStorage();
  const state: SoracomSandboxState = {
    seed,
    now,
    data,
    auth,
    storage,
    legacyShapes: opts.legacyShapes ?? false,
    exportPolls: opts.exportPolls ?? 2,
    failNextExport: false,
  };
  const server = await startSandbox({
    routes: soracomRoutes(state),
    notFound: (req) => ({ status: 404, json: { code: 'COM0001', message: `No such API: ${req.method} ${req.path}` } }),
    faultBody: (status) =>
      status === 429
        ? { code: 'COM0002', message: 'Too many requests. Retry later.' }
        : { code: 'COM0003', message: `Service temporarily unavailable (HTTP ${status})` },
  });

  return {
    apiUrl: `${server.url}/v1`,
    server,
    files: storage,
    credentials: auth.logins.authKey,
    logins: auth.logins,
    operatorId: data.operatorId,
    data,
    expireTokens: () => auth.expireAll(),
    failNextExport: () => {
      state.failNextExport = true;
    },
    close: async () => {
      await Promise.all([server.close(), storage.close()]);
    },
  };
}
