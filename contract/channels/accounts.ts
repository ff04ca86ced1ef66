import { z } from 'zod';
import type { AccountList, AccountSummary, ConnectionTest, DemoStart } from '../models/app';

const name = z.string().trim().min(1, 'Give the account a name.').max(80, 'Keep the name under 80 characters.');
const secret = (what: string) => z.string().min(1, `Enter the ${what}.`).max(4096);
const email = z.string().trim().max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter an email address like name@example.com.');
const accountId = z.string().min(1).max(64);

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** https anywhere; plain http only to this machine (the sandboxes and local test servers). */
export const baseUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((raw) => {
    try {
      const url = new URL(raw);
      if (url.username || url.password || url.search || url.hash) return false;
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
    } catch {
      return false;
    }
  }, 'Enter an https:// address (plain http only for this computer), without a user name, query or #fragment.');

export const spatialflowCredentials = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('password'), email, password: secret('password') }),
  z.strictObject({ kind: z.literal('token'), accessToken: secret('access token') }),
]);
export const agilicusCredentials = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('token'), accessToken: secret('bearer token') }),
]);
export const soracomCredentials = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('authKey'),
    authKeyId: z.string().trim().regex(/^keyId-[A-Za-z0-9]{1,64}$/, 'An AuthKey ID looks like keyId-xxxxxxxx.'),
    authKey: secret('AuthKey secret'),
  }),
  z.strictObject({ kind: z.literal('root'), email, password: secret('password') }),
  z.strictObject({
    kind: z.literal('sam'),
    operatorId: z.string().trim().regex(/^OP[0-9]{6,20}$/, 'An operator ID looks like OP0012345678.'),
    userName: z.string().trim().min(1, 'Enter the SAM user name.').max(100),
    password: secret('password'),
  }),
]);

export type SpatialFlowCredentialsInput = z.output<typeof spatialflowCredentials>;
export type AgilicusCredentialsInput = z.output<typeof agilicusCredentials>;
export type SoracomCredentialsInput = z.output<typeof soracomCredentials>;

export const newAccount = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('spatialflow'), name, baseUrl, credentials: spatialflowCredentials }),
  z.strictObject({ provider: z.literal('agilicus'), name, baseUrl, credentials: agilicusCredentials }),
  z.strictObject({ provider: z.literal('soracom'), name, baseUrl, credentials: soracomCredentials }),
]);
export type NewAccount = z.output<typeof newAccount>;

export const accountsArgs = {
  'accounts.list': z.strictObject({}),
  'accounts.add': z.strictObject({ account: newAccount, testFirst: z.boolean().optional() }),
  'accounts.update': z.strictObject({
    id: accountId,
    name: name.optional(),
    baseUrl: baseUrl.optional(),
    /** Replaces the stored credentials; omitted keeps them. Must be of the account's provider. */
    credentials: z.union([spatialflowCredentials, agilicusCredentials, soracomCredentials]).optional(),
  }),
  /** `deleteFiles` also deletes the files saved from the account (the user is asked; default keeps them). */
  'accounts.remove': z.strictObject({ id: accountId, deleteFiles: z.boolean().optional() }),
  'accounts.setActive': z.strictObject({ id: accountId }),
  'accounts.testConnection': z.strictObject({ id: accountId }),
  'demo.start': z.strictObject({}),
};

export interface AccountsResults {
  'accounts.list': AccountList;
  'accounts.add': AccountSummary;
  'accounts.update': AccountSummary;
  'accounts.remove': { removed: true };
  'accounts.setActive': { activeAccountId: string };
  'accounts.testConnection': ConnectionTest;
  'demo.start': DemoStart;
}
