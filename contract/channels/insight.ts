import { z } from 'zod';
import type { AlertList, Budgets, DailyAnomalies, InsightOverview, MonthlyAnomalies, SyncStatus } from '../models/insight';
import { maxMinor } from '../money';

const accountId = z.string().min(1).max(64);
const yyyyMM = z.string().regex(/^20\d{2}(0[1-9]|1[0-2])$/, 'Expected a month as yyyyMM');
const currency = z.string().regex(/^[A-Z]{3}$/, 'Expected an uppercase ISO 4217 code');
/** A budget: whole minor units of its currency, more than zero. */
const money = z.strictObject({ minor: z.int().min(1).max(maxMinor), currency });

export const insightArgs = {
  'insight.overview': z.strictObject({}),
  'insight.dailyAnomalies': z.strictObject({ accountId, yyyyMM }),
  /** Unusual months of a Soracom account's offline bill history. */
  'insight.monthlyAnomalies': z.strictObject({ accountId }),
  'insight.getBudgets': z.strictObject({}),
  /** Replaces every budget; at most one per account and one per currency. */
  'insight.setBudgets': z.strictObject({
    accounts: z.array(z.strictObject({ accountId, amount: money })).max(200),
    currencies: z.array(z.strictObject({ currency, amount: money })).max(50),
  }),
  'insight.listAlerts': z.strictObject({}),
  'insight.dismissAlert': z.strictObject({ id: z.string().min(1).max(200) }),
  /** Marks alerts as seen in the window (all of them when `ids` is absent). */
  'insight.markAlertsRead': z.strictObject({ ids: z.array(z.string().min(1).max(200)).max(500).optional() }),
  'sync.status': z.strictObject({}),
  'sync.setSchedule': z.strictObject({ enabled: z.boolean(), intervalMinutes: z.int().min(5).max(1440) }),
  /** Syncs one account (or every account) now, one provider call at a time per account. */
  'sync.runNow': z.strictObject({ accountId: accountId.optional() }),
};

export interface InsightResults {
  'insight.overview': InsightOverview;
  'insight.dailyAnomalies': DailyAnomalies;
  'insight.monthlyAnomalies': MonthlyAnomalies;
  'insight.getBudgets': Budgets;
  'insight.setBudgets': Budgets;
  'insight.listAlerts': AlertList;
  'insight.dismissAlert': AlertList;
  'insight.markAlertsRead': AlertList;
  'sync.status': SyncStatus;
  'sync.setSchedule': SyncStatus;
  'sync.runNow': SyncStatus;
}
