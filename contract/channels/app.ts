import { z } from 'zod';
import type { AccountSummary, AppInfo } from '../models/app';

export const appArgs = {
  'app.info': z.strictObject({}),
  'app.openExternal': z.strictObject({ url: z.string().max(2048) }),
  'accounts.list': z.strictObject({}),
};

export interface AppResults {
  'app.info': AppInfo;
  'app.openExternal': { opened: boolean };
  'accounts.list': AccountSummary[];
}
