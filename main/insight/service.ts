import { argSchemas, type Channel, type Result } from '../../contract';
import { unreachableCodes } from '../../contract/errors';
import type { AccountSummary } from '../../contract/models/app';
import type {
  AccountBadges,
  AccountInsight,
  Alert,
  BudgetOver,
  Budgets,
  CalendarEntry,
  CurrencyTotal,
  DailyAnomalies,
  Figure,
  InsightOverview,
  MonthlyAnomalies,
} from '../../contract/models/insight';
import type { AgilicusUsageRecordList } from '../../contract/models/agilicus';
import { addMoney, formatMoney, type Money } from '../../contract/money';
import type { EventSink } from '../router/types';
import type { Platform } from '../platform';
import { snapshotKey, type Snapshot, type SnapshotStore } from '../snapshots/store';
import type { AlertCandidate, AlertStore } from './alerts';
import {
  agilicusCharges,
  agilicusForecast,
  anomalyRuleText,
  dayOf,
  dayRule,
  failedPaymentStatuses,
  findAnomalies,
  monthEnd,
  monthOverMonth,
  monthRule,
  openPaymentStatuses,
  shiftMonth,
  soracomForecast,
  soracomSeries,
  spatialflowFigures,
  spatialflowSeries,
  upcoming,
  yearMonthOf,
} from './rules';

/** What the background sync reads for each provider, so the insight has everything it needs. */
export function insightReads(provider: AccountSummary['provider'], thisMonth: string): { channel: Channel; args: Record<string, unknown> }[] {
  switch (provider) {
    case 'soracom':
      return [
        { channel: 'soracom.getLatestBilling', args: {} },
        { channel: 'soracom.getBillingHistory', args: {} },
        { channel: 'soracom.getBillingPerDay', args: { yyyyMM: thisMonth } },
      ];
    case 'spatialflow':
      return [
        { channel: 'spatialflow.getSubscription', args: {} },
        { channel: 'spatialflow.listInvoices', args: {} },
      ];
    case 'agilicus':
      return [{ channel: 'agilicus.listBillingAccounts', args: { includeSubscriptions: true, includeCustomer: true } }];
  }
}

export interface InsightDeps {
  listAccounts: () => Promise<AccountSummary[]>;
  snapshots: SnapshotStore;
  alerts: AlertStore;
  getBudgets: () => Promise<Budgets>;
  platform: Pick<Platform, 'notify'>;
  events: EventSink;
  now?: () => Date;
  log: (line: string) => void;
}

export interface InsightService {
  overview(): Promise<InsightOverview>;
  dailyAnomalies(accountId: string, yyyyMM: string): Promise<DailyAnomalies>;
  monthlyAnomalies(accountId: string): Promise<MonthlyAnomalies>;
  /** Recomputes, raises new alerts (window + desktop notification) and tells the window. */
  evaluate(): Promise<Alert[]>;
  /** Evaluates soon, once for a burst of snapshot writes. */
  schedule(): void;
  /** Waits for a scheduled evaluation (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const text = (m: Money) => formatMoney(m, 'en-US');
const monthName = (yyyyMM: string) =>
  new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4)) - 1, 1)));

/** A figure's one amount in `currency`, when it has one. */
function single(f: Figure, currency: string): Money | undefined {
  return f.state === 'value' ? f.amounts.find((m) => m.currency === currency) : undefined;
}

/** Whether the spend so far, or else the forecast, has reached the budget (the 100% of its alerts). */
function budgetOver(budget: Money, soFar: Money | undefined, forecast: Money | undefined): BudgetOver | undefined {
  const reached = (m: Money | undefined) => m !== undefined && m.currency === budget.currency && m.minor >= budget.minor;
  return reached(soFar) ? 'spend' : reached(forecast) ? 'forecast' : undefined;
}

function oldest(times: (string | undefined)[]): string | undefined {
  const known = times.filter((t): t is string => t !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => (a < b ? a : b));
}

export function createInsightService(deps: InsightDeps): InsightService {
  const now = deps.now ?? (() => new Date());

  async function read<C extends Channel>(accountId: string, channel: C, args: Record<string, unknown>): Promise<(Snapshot & { value: Result<C> }) | undefined> {
    const parsed = argSchemas[channel].parse({ ...args, accountId }) as Record<string, unknown>;
    return (await deps.snapshots.get(accountId, snapshotKey(channel, parsed))) as (Snapshot & { value: Result<C> }) | undefined;
  }

  async function accountInsight(account: AccountSummary, at: Date, budgets: Budgets): Promise<AccountInsight> {
    const thisMonth = yearMonthOf(at);
    const lastMonth = shiftMonth(thisMonth, -1);
    const lastError = account.sync.lastError;
    const failed = lastError !== undefined && (!account.sync.lastSuccessAt || lastError.at > account.sync.lastSuccessAt);
    // Unreachable, or reached and answering with an error (a server error, refused credentials…).
    const offline = failed && unreachableCodes.has(lastError.code);
    const badges: AccountBadges = { offline: failed, openInvoices: 0, failedPayments: 0, preliminaryMonth: false, unreadAlerts: 0 };
    const base = { accountId: account.id, accountName: account.name, provider: account.provider, thisMonth, lastMonth };
    const entry = (e: Omit<CalendarEntry, 'accountId' | 'accountName' | 'provider'>): CalendarEntry => ({
      accountId: account.id,
      accountName: account.name,
      provider: account.provider,
      ...e,
    });
    const missing: string[] = [];
    const calendar: CalendarEntry[] = [];
    let soFar: Figure;
    let forecast: Figure;
    let previous: Figure;
    let anomalies: AccountInsight['anomalies'] = [];
    let asOf: string | undefined;

    if (account.provider === 'soracom') {
      const [latest, history, daily] = await Promise.all([
        read(account.id, 'soracom.getLatestBilling', {}),
        read(account.id, 'soracom.getBillingHistory', {}),
        read(account.id, 'soracom.getBillingPerDay', { yyyyMM: thisMonth }),
      ]);
      if (!latest) missing.push('this month’s preliminary bill');
      if (!history) missing.push('the bill history');
      if (!daily) missing.push('this month’s daily bills');
      asOf = oldest([latest?.syncedAt, history?.syncedAt, daily?.syncedAt]);
      const latestAsOf = latest?.syncedAt;
      const latestAmount = latest?.value.amount;
      soFar = !latest
        ? { state: 'no-data', amounts: [], estimate: false, preliminary: false, madeFrom: 'Not synced yet.' }
        : latestAmount === null || latestAmount === undefined
          ? { state: 'not-reported', amounts: [], estimate: false, preliminary: true, madeFrom: 'Soracom’s preliminary bill for this month came without an amount.', ...(latestAsOf ? { asOf: latestAsOf } : {}) }
          : {
            state: 'value',
            amounts: [latestAmount],
            estimate: false,
            preliminary: true,
            madeFrom: `Soracom’s preliminary bill for this month${latest.value.lastEvaluatedAt ? `, evaluated ${latest.value.lastEvaluatedAt.slice(0, 16).replace('T', ' ')} UTC` : ''}.`,
            ...(latestAsOf ? { asOf: latestAsOf } : {}),
          };
      const f = soracomForecast({ yyyyMM: thisMonth, today: dayOf(at), soFar: latest?.value.amount, days: daily?.value.days });
      forecast = { ...f.forecast };
      const fAsOf = oldest([latest?.syncedAt, daily?.syncedAt]);
      if (fAsOf) forecast.asOf = fAsOf;
      const skippedDays = daily?.value.unreadable?.length ?? 0;
      if (f.forecast.state === 'value' && skippedDays > 0) {
        forecast.madeFrom += ` ${skippedDays === 1 ? '1 day' : `${skippedDays} days`} of the daily bills could not be read and ${skippedDays === 1 ? 'is' : 'are'} left out of the run rate.`;
      }
      const bills = history?.value.bills ?? [];
      const prevBill = bills.find((b) => b.yearMonth === lastMonth);
      previous = prevBill?.amount === null
        ? { state: 'not-reported', amounts: [], estimate: false, preliminary: prevBill.state === 'temporary', madeFrom: 'Soracom’s bill for last month came without an amount.', ...(history?.syncedAt ? { asOf: history.syncedAt } : {}) }
        : prevBill
        ? {
            state: 'value',
            amounts: [prevBill.amount],
            estimate: false,
            preliminary: prevBill.state === 'temporary',
            madeFrom: `Soracom’s bill for last month (${prevBill.state === 'closed' ? 'closed' : (prevBill.state ?? 'state unknown')}).`,
            ...(history?.syncedAt ? { asOf: history.syncedAt } : {}),
          }
        : { state: history ? 'no-data' : 'no-data', amounts: [], estimate: false, preliminary: false, madeFrom: history ? 'Soracom has no bill for last month.' : 'The bill history has not been synced yet.' };
      // Unusual months, and unusual days of this month's last three closed days (today is still being counted).
      const today = dayOf(at);
      const recentFrom = dayOf(new Date(at.getTime() - 3 * 86_400_000));
      const days = [...(daily?.value.days ?? [])].sort((a, b) => a.date.localeCompare(b.date));
      const dayFlags = findAnomalies(days.map((d) => ({ key: d.date, amount: d.amount, final: d.date < today })), dayRule).anomalies.filter((a) => a.key >= recentFrom);
      anomalies = [...findAnomalies(soracomSeries(bills), monthRule).anomalies, ...dayFlags];
      badges.preliminaryMonth = bills.some((b) => b.state === 'temporary') || latest !== undefined;
      badges.openInvoices = bills.filter((b) => openPaymentStatuses.has(b.paymentStatus ?? '')).length;
      badges.failedPayments = bills.filter((b) => failedPaymentStatuses.has(b.paymentStatus ?? '')).length;
      for (const b of bills.filter((b) => openPaymentStatuses.has(b.paymentStatus ?? ''))) {
        calendar.push(entry({ date: at.toISOString(), kind: 'invoice-open', amounts: b.amount === null ? [] : [b.amount], estimate: false, label: `Bill for ${monthName(b.yearMonth)} is being charged`, madeFrom: 'Soracom’s bill history (payment in progress).' }));
      }
      calendar.push(
        entry({
          date: monthEnd(thisMonth).toISOString(),
          kind: 'month-close',
          amounts: forecast.state === 'value' ? forecast.amounts : [],
          estimate: true,
          label: 'Month closes; the bill is charged after',
          madeFrom: forecast.state === 'value' ? `Forecast: ${forecast.madeFrom}` : forecast.madeFrom,
        }),
      );
    } else if (account.provider === 'spatialflow') {
      const [subscription, invoices] = await Promise.all([read(account.id, 'spatialflow.getSubscription', {}), read(account.id, 'spatialflow.listInvoices', {})]);
      if (!subscription) missing.push('the subscription');
      if (!invoices) missing.push('the invoices');
      asOf = oldest([subscription?.syncedAt, invoices?.syncedAt]);
      const list = invoices?.value.invoices;
      const figures = spatialflowFigures({ invoices: list, hasMore: invoices?.value.hasMore ?? false, subscription: subscription?.value, thisMonth, now: at });
      soFar = invoices ? { ...figures.soFar, asOf: invoices.syncedAt } : figures.soFar;
      previous = invoices ? { ...figures.previous, asOf: invoices.syncedAt } : figures.previous;
      forecast = asOf && subscription && invoices ? { ...figures.forecast, asOf } : figures.forecast;
      if (list) {
        anomalies = findAnomalies(spatialflowSeries(list, invoices?.value.hasMore ?? false, thisMonth), monthRule).anomalies;
        const open = list.filter((inv) => inv.status === 'open');
        badges.openInvoices = open.length;
        badges.failedPayments = list.filter((inv) => inv.status === 'uncollectible').length;
        for (const inv of open) {
          calendar.push(entry({ date: inv.createdAt, kind: 'invoice-open', amounts: [inv.amountDue], estimate: false, label: `Invoice ${inv.number} is open (due on issue)`, madeFrom: 'SpatialFlow’s invoice list; its invoices carry no due date, so they are due when issued.' }));
        }
      }
      if (subscription?.value.status === 'past_due') badges.failedPayments += 1;
      const sub = subscription?.value;
      if (figures.upcoming) {
        calendar.push(entry({ date: figures.upcoming.date, kind: 'renewal', amounts: [figures.upcoming.amount], estimate: true, label: `${figures.upcoming.planName} renews${figures.upcoming.proration ? ', less a credit' : ''}`, madeFrom: figures.upcoming.madeFrom }));
      } else if (sub?.cancelAtPeriodEnd && sub.currentPeriodEnd) {
        calendar.push(entry({ date: sub.currentPeriodEnd, kind: 'subscription-end', amounts: [], estimate: false, label: `${sub.plan.name} ends; nothing more is charged`, madeFrom: 'The subscription is set to cancel at the end of its period.' }));
      }
    } else {
      const billing = await read(account.id, 'agilicus.listBillingAccounts', { includeSubscriptions: true, includeCustomer: true });
      if (!billing) missing.push('the billing accounts');
      asOf = billing?.syncedAt;
      const usage = new Map<string, AgilicusUsageRecordList>();
      for (const ba of billing?.value.accounts ?? []) {
        if ((ba.subscriptions ?? []).some((s) => s.quantity === null)) {
          const records = await read(account.id, 'agilicus.getUsageRecords', { billingAccountId: ba.id });
          if (records) usage.set(ba.id, records.value);
        }
      }
      const charges = billing ? agilicusCharges(billing.value.accounts, usage) : undefined;
      const notReported = (what: string): Figure => ({ state: 'not-reported', amounts: [], estimate: false, preliminary: false, madeFrom: `Agilicus’s billing API reports no billed amounts, so ${what} is not known.` });
      soFar = notReported('the month so far');
      previous = notReported('last month');
      forecast = agilicusForecast(charges, thisMonth);
      if (billing) forecast.asOf = billing.syncedAt;
      for (const ba of billing?.value.accounts ?? []) {
        for (const sub of ba.subscriptions ?? []) {
          if (sub.status === 'past_due' || sub.status === 'unpaid') badges.failedPayments += 1;
          if (!sub.currentPeriodEnd) continue;
          const charge = charges?.find((c) => c.billingAccountId === ba.id && c.subscriptionId === sub.id);
          if (charge && charge.renewsAt && sub.status === 'trialing' && charge.amount.minor === 0) {
            // A trial is priced at zero until it ends: $0.00 would be a wrong estimate of the first billed period.
            calendar.push(entry({ date: charge.renewsAt, kind: 'renewal', amounts: [], amountUnknown: true, estimate: false, label: `${sub.planName ?? 'Subscription'} trial ends, billing starts`, madeFrom: `Agilicus reports a unit price of ${text(charge.amount)} during the trial, so what the first billed period costs is not known yet (× ${charge.quantity}, quantity from the ${charge.quantityFrom}).` }));
          } else if (charge && charge.renewsAt) {
            calendar.push(entry({ date: charge.renewsAt, kind: 'renewal', amounts: [charge.amount], estimate: true, label: `${sub.planName ?? 'Subscription'} ${sub.status === 'trialing' ? 'trial ends, billing starts' : 'renews'}`, madeFrom: `Estimate: unit price ${sub.unitPrice ? text(sub.unitPrice) : ''} × ${charge.quantity} (quantity from the ${charge.quantityFrom}).` }));
          } else if (sub.cancelAtPeriodEnd && sub.status !== 'canceled') {
            calendar.push(entry({ date: sub.currentPeriodEnd, kind: 'subscription-end', amounts: [], estimate: false, label: `${sub.planName ?? 'Subscription'} ends; nothing more is charged`, madeFrom: 'The subscription is set to cancel at the end of its period.' }));
          }
        }
      }
    }

    const current = forecast.state === 'value' && forecast.amounts.length === 1 ? forecast.amounts[0] : soFar.state === 'value' && soFar.amounts.length === 1 ? soFar.amounts[0] : undefined;
    const prev = previous.state === 'value' && previous.amounts.length === 1 ? previous.amounts[0] : undefined;
    const mom = account.provider === 'agilicus' ? { missing: 'Agilicus reports no billed amounts, so there is no change from last month to show.' } : monthOverMonth(current, prev);
    const budget = budgets.accounts.find((b) => b.accountId === account.id)?.amount;
    const insight: AccountInsight = {
      ...base,
      soFar,
      forecast,
      previous,
      change: mom.change
        ? { ...mom.change, madeFrom: `${forecast.state === 'value' ? 'The forecast' : 'The month so far'} minus last month’s bill; the percentage is of last month.` }
        : null,
      anomalies,
      calendar: upcoming(calendar, at, 60),
      badges,
      offline,
      refreshFailed: failed && !offline,
      missing,
    };
    if (mom.missing) insight.changeMissing = mom.missing;
    if (asOf) {
      insight.asOf = asOf;
      badges.lastSyncAt = asOf;
    }
    if (budget) {
      insight.budget = budget;
      const over = budgetOver(budget, single(soFar, budget.currency), single(forecast, budget.currency));
      if (over) insight.budgetOver = over;
    }
    return insight;
  }

  function totals(accounts: AccountInsight[], budgets: Budgets): CurrencyTotal[] {
    const byCurrency = new Map<string, CurrencyTotal>();
    const zero = (currency: string): CurrencyTotal => ({ currency, accounts: 0, estimate: false });
    for (const a of accounts) {
      const touched = new Set<string>();
      const add = (f: Figure, field: 'soFar' | 'forecast' | 'previous') => {
        if (f.state !== 'value') return;
        for (const m of f.amounts) {
          // A $0.00 estimate (an Agilicus trial that starts billing after the month) adds nothing:
          // it neither counts the account in that currency nor makes the currency's forecast an estimate.
          if (f.estimate && m.minor === 0) continue;
          const t = byCurrency.get(m.currency) ?? zero(m.currency);
          const sum = t[field];
          t[field] = sum === undefined ? m : addMoney(sum, m);
          if (field === 'forecast' && f.estimate) t.estimate = true;
          byCurrency.set(m.currency, t);
          touched.add(m.currency);
        }
      };
      add(a.soFar, 'soFar');
      add(a.forecast, 'forecast');
      add(a.previous, 'previous');
      for (const c of touched) (byCurrency.get(c) as CurrencyTotal).accounts += 1;
    }
    for (const b of budgets.currencies) {
      const t = byCurrency.get(b.currency);
      if (!t) continue;
      t.budget = b.amount;
      const over = budgetOver(b.amount, t.soFar, t.forecast);
      if (over) t.budgetOver = over;
    }
    for (const a of accounts) {
      const t = a.budget ? byCurrency.get(a.budget.currency) : undefined;
      if (!t || !a.budget) continue;
      const sum = t.accountBudgets;
      t.accountBudgets = {
        amount: sum ? addMoney(sum.amount, a.budget) : a.budget,
        accounts: (sum?.accounts ?? 0) + 1,
        over: (sum?.over ?? 0) + (a.budgetOver ? 1 : 0),
      };
    }
    return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  }

  async function compute(): Promise<{ overview: InsightOverview; candidates: AlertCandidate[] }> {
    const at = now();
    const [accounts, budgets, alertList] = await Promise.all([deps.listAccounts(), deps.getBudgets(), deps.alerts.list()]);
    const insights = await Promise.all(accounts.map((a) => accountInsight(a, at, budgets)));
    for (const i of insights) i.badges.unreadAlerts = alertList.alerts.filter((a) => a.accountId === i.accountId && !a.read && !a.dismissed).length;
    const overview: InsightOverview = {
      generatedAt: at.toISOString(),
      thisMonth: yearMonthOf(at),
      lastMonth: shiftMonth(yearMonthOf(at), -1),
      accounts: insights,
      totals: totals(insights, budgets),
      calendar: upcoming(insights.flatMap((i) => i.calendar), at, 60),
      offline: insights.some((i) => i.offline),
      refreshFailed: insights.some((i) => i.refreshFailed),
      anomalyRule: anomalyRuleText,
    };
    return { overview, candidates: alertCandidates(overview) };
  }

  let pending: Promise<unknown> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  async function evaluate(): Promise<Alert[]> {
    const { overview, candidates } = await compute();
    const fresh = await deps.alerts.raise(candidates);
    for (const alert of fresh) {
      try {
        deps.platform.notify?.({ title: alert.title, body: alert.message });
      } catch (error) {
        deps.log(`[insight] notification failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      deps.events.emit('insight.alert', alert);
    }
    const list = fresh.length > 0 ? await deps.alerts.list() : undefined;
    const badges: Record<string, AccountBadges> = {};
    for (const a of overview.accounts) {
      badges[a.accountId] = list ? { ...a.badges, unreadAlerts: list.alerts.filter((x) => x.accountId === a.accountId && !x.read && !x.dismissed).length } : a.badges;
    }
    deps.events.emit('insight.changed', { badges });
    return fresh;
  }

  return {
    overview: async () => (await compute()).overview,
    async dailyAnomalies(accountId, yyyyMM) {
      const daily = await read(accountId, 'soracom.getBillingPerDay', { yyyyMM });
      const today = dayOf(now());
      const days = [...(daily?.value.days ?? [])].sort((a, b) => a.date.localeCompare(b.date));
      // Today is still being counted, so it is neither judged nor used as history.
      const found = findAnomalies(days.map((d) => ({ key: d.date, amount: d.amount, final: d.date < today })), dayRule);
      return { yyyyMM, anomalies: found.anomalies, unjudgedDays: found.unjudged, rule: anomalyRuleText };
    },
    async monthlyAnomalies(accountId) {
      const history = await read(accountId, 'soracom.getBillingHistory', {});
      const result: MonthlyAnomalies = { anomalies: findAnomalies(soracomSeries(history?.value.bills ?? []), monthRule).anomalies, rule: anomalyRuleText };
      if (history) result.syncedAt = history.syncedAt;
      return result;
    },
    evaluate,
    schedule() {
      if (closed || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        const run = (pending ?? Promise.resolve()).then(() => evaluate()).catch((error: unknown) => deps.log(`[insight] ${error instanceof Error ? error.message : String(error)}`));
        pending = run;
        void run.finally(() => {
          if (pending === run) pending = undefined;
        });
      }, 150);
    },
    async idle() {
      while (timer || pending) {
        if (timer) await new Promise((resolve) => setTimeout(resolve, 160));
        await pending;
      }
    },
    async close() {
      closed = true;
      // An evaluation that was due still runs, so no alert the last sync called for is lost.
      const due = timer !== undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pending;
      if (due) await evaluate().catch((error: unknown) => deps.log(`[insight] ${error instanceof Error ? error.message : String(error)}`));
    },
  };
}

/** Thresholds of a budget that raise an alert, in percent. */
export const budgetThresholds = [80, 100] as const;

function budgetCandidates(scope: { id: string; name: string; accountId?: string }, budget: Money, forecast: Money | undefined, actual: Money | undefined, month: string): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  // Only the highest threshold crossed, by the actual spend or else by the forecast; one alert per
  // threshold and month, so a later crossing of a higher one alerts again, and a lower one never
  // follows a higher one.
  for (const pct of [...budgetThresholds].reverse()) {
    const limit = BigInt(budget.minor) * BigInt(pct);
    const crossed = (m: Money | undefined) => m !== undefined && m.currency === budget.currency && BigInt(m.minor) * 100n >= limit;
    const basis = crossed(actual) ? 'actual' : crossed(forecast) ? 'forecast' : undefined;
    if (basis === undefined) continue;
    const amount = (basis === 'actual' ? actual : forecast) as Money;
    const c: AlertCandidate = {
      id: `budget:${scope.id}:${month}:${pct}`,
      kind: 'budget',
      title: `${scope.name}: ${pct}% of the monthly budget`,
      message: `The ${basis === 'actual' ? 'spend so far' : 'forecast'} for ${monthName(month)}, ${text(amount)}, is ${pct === 100 ? 'over' : 'at least 80% of'} the budget of ${text(budget)}.`,
    };
    if (scope.accountId) c.accountId = scope.accountId;
    else c.currency = budget.currency;
    out.push(c);
    break;
  }
  return out;
}

/** Every alert the current figures call for; the store keeps only the ones not raised before. */
export function alertCandidates(overview: InsightOverview): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  const month = overview.thisMonth;
  for (const a of overview.accounts) {
    const single = (f: Figure) => (f.state === 'value' && a.budget ? f.amounts.find((m) => m.currency === a.budget?.currency) : undefined);
    if (a.budget) out.push(...budgetCandidates({ id: a.accountId, name: a.accountName, accountId: a.accountId }, a.budget, single(a.forecast), single(a.soFar), month));
    // Anomalies of the last closed month and of recent days only: older ones were news long ago.
    for (const an of a.anomalies.filter((x) => x.kind === 'day' || x.key === overview.lastMonth)) {
      out.push({
        id: `anomaly:${a.accountId}:${an.key}`,
        kind: 'anomaly',
        accountId: a.accountId,
        title: an.kind === 'month' ? `${a.accountName}: unusual bill for ${monthName(an.key)}` : `${a.accountName}: unusual charge on ${an.key}`,
        message: `${text(an.amount)} is ${an.text}.`,
      });
    }
    if (a.badges.failedPayments > 0) {
      out.push({
        id: `payment-failed:${a.accountId}:${month}:${a.badges.failedPayments}`,
        kind: 'payment-failed',
        accountId: a.accountId,
        title: `${a.accountName}: a payment failed`,
        message: `${a.badges.failedPayments} payment${a.badges.failedPayments === 1 ? '' : 's'} failed. Open the account to see which, and check its payment method.`,
      });
    }
  }
  for (const t of overview.totals) {
    if (!t.budget) continue;
    out.push(...budgetCandidates({ id: `currency-${t.currency}`, name: `All ${t.currency} accounts` }, t.budget, t.forecast, t.soFar, month));
  }
  return out;
}
