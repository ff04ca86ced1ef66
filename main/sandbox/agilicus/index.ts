import { startFileHost, startSandbox, type FileHost, type SandboxServer } from '../kit';
import { createState, type AgilicusState } from './data';
import { agilicusRoutes } from './routes';
import { createTokenIssuer } from './tokens';

export interface AgilicusSandboxOptions {
  seed?: number;
  scale?: {
    /** Daily usage records per seeded billing account (default 365: one year). */
    usageRecords?: number;
  };
  now?: Date;
  /** The most rows a listing answers, whatever `limit` asks, like a server with a cap; default none. */
  maxLimit?: number;
}

export interface AgilicusSandbox {
  /** What a client uses as its base URL (paths start with /v1). */
  apiUrl: string;
  server: SandboxServer;
  /** Agilicus serves no files; kept so every sandbox has the same shape. */
  files: FileHost;
  credentials: { kind: 'token'; accessToken: string };
  /** Makes every token issued so far invalid, as if they had run out. */
  expireTokens(): void;
  /** A fresh token, as the issuer would hand out after the user signs in again. */
  issueToken(): string;
  /** Ids of organisations in the sandbox's directory, attached or not. */
  directoryOrgIds(): { id: string; name: string; billingAccountId?: string }[];
  state: AgilicusState;
  close(): Promise<void>;
}

export async function startAgilicusSandbox(opts: AgilicusSandboxOptions = {}): Promise<AgilicusSandbox> {
  const seed = opts.seed ?? 20240601;
  const stateOpts: Parameters<typeof createState>[0] = { seed, now: opts.now ?? new Date() };
  if (opts.scale?.usageRecords !== undefined) stateOpts.usageRecords = opts.scale.usageRecords;
  const state = createState(stateOpts);
  const tokens = createTokenIssuer({ seed, issuer: 'https://auth.northwind-logistics.ca', clock: state.clock });

  const [server, files] = await Promise.all([
    startSandbox({
      routes: agilicusRoutes(state, tokens, opts.maxLimit === undefined ? {} : { maxLimit: opts.maxLimit }),
      notFound: (req) => ({
        status: 404,
        json: { error_code: 'NOT_FOUND', error_message: `no such resource: ${req.path}` },
      }),
      faultBody: (status) => ({
        error_code: status === 429 ? 'RATE_LIMITED' : `HTTP_${status}`,
        error_message: status === 429 ? 'Too many requests, slow down' : 'The service is temporarily unavailable',
      }),
    }),
    startFileHost(),
  ]);

  return {
    apiUrl: server.url,
    server,
    files,
    credentials: { kind: 'token', accessToken: tokens.issue() },
    expireTokens: () => tokens.expireAll(),
    issueToken: () => tokens.issue(),
    directoryOrgIds: () =>
      [...state.orgs.values()].map((o) => ({
        id: o.id,
        name: o.name,
        ...(o.billingAccountId === undefined ? {} : { billingAccountId: o.billingAccountId }),
      })),
    state,
    close: async () => {
      await Promise.all([server.close(), files.close()]);
    },
  };
}
