import type { HandlerTable } from '../router/types';
import type { AlertStore } from '../insight/alerts';
import type { InsightService } from '../insight/service';
import type { SyncScheduler } from '../insight/scheduler';
import type { SettingsStore } from '../files/settings';
import { AppError } from '../http/errors';

type InsightChannel =
  | 'insight.overview'
  | 'insight.dailyAnomalies'
  | 'insight.monthlyAnomalies'
  | 'insight.getBudgets'
  | 'insight.setBudgets'
  | 'insight.listAlerts'
  | 'insight.dismissAlert'
  | 'insight.markAlertsRead'
  | 'sync.status'
  | 'sync.setSchedule'
  | 'sync.runNow';

export function createInsightHandlers(deps: { insight: InsightService; alerts: AlertStore; settings: SettingsStore; scheduler: SyncScheduler }): HandlerTable<InsightChannel> {
  const { insight, alerts, settings, scheduler } = deps;
  return {
    'insight.overview': () => insight.overview(),
    'insight.dailyAnomalies': ({ accountId, yyyyMM }) => insight.dailyAnomalies(accountId, yyyyMM),
    'insight.monthlyAnomalies': ({ accountId }) => insight.monthlyAnomalies(accountId),
    'insight.getBudgets': () => settings.getBudgets(),
    'insight.setBudgets': async (budgets) => {
      const accounts = new Set(budgets.accounts.map((b) => b.accountId));
      const currencies = new Set(budgets.currencies.map((b) => b.currency));
      if (accounts.size !== budgets.accounts.length || currencies.size !== budgets.currencies.length) {
        throw new AppError('invalid_args', 'One budget per account and one per currency.');
      }
      if (budgets.currencies.some((b) => b.amount.currency !== b.currency)) throw new AppError('invalid_args', 'A currency’s budget must be in that currency.');
      const saved = await settings.setBudgets(budgets);
      insight.schedule();
      return saved;
    },
    'insight.listAlerts': () => alerts.list(),
    'insight.dismissAlert': async ({ id }) => {
      const list = await alerts.dismiss(id);
      insight.schedule();
      return list;
    },
    'insight.markAlertsRead': async ({ ids }) => {
      const list = await alerts.markRead(ids);
      insight.schedule();
      return list;
    },
    'sync.status': () => scheduler.status(),
    'sync.setSchedule': (schedule) => scheduler.setSchedule(schedule),
    'sync.runNow': ({ accountId }) => scheduler.runNow(accountId),
  };
}
