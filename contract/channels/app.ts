import { z } from 'zod';
import type { AppInfo } from '../models/app';

export const appArgs = {
  'app.info': z.strictObject({}),
  'app.openExternal': z.strictObject({ url: z.string().max(2048) }),
};

export interface AppResults {
  'app.info': AppInfo;
  'app.openExternal': { opened: boolean };
}
