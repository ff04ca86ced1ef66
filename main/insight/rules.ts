/**
 * The rules behind spend insight, as pure functions over the data Billfold already keeps:
 * calendar months, month-over-month change, the anomaly rule and each provider's forecast.
 * Money is added and scaled in integer minor units (BigInt where a product may leave the safe
 * range); floating point is only used for ratios shown as words ("24×").
 */
import type { Money } from '../../contract/money';
import { formatMoney, sumByCurrency } from '../../contract/money';
import type { AgilicusBillingAccount, AgilicusUsageRecordList } from '../../contract/models/agilicus';
import type { Anomaly, CalendarEntry, Figure } from '../../contract/models/insight';
import type { SoracomDailyBill, SoracomMonthlyBill } from '../../contract/models/soracom';
import type { SpatialFlowInvoice, SpatialFlowSubscription } from '../../contract/models/spatialflow';

// ------------------------------------------------------------------ calendar months (UTC)

/** yyyyMM of a date, in UTC. */
export function yearMonthOf(date: Date): string {
  return `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function shiftMonth(yyyyMM: string, by: number): string {
  const y = Number(yyyyMM.slice(0, 4));
  const m = Number(yyyyMM.slice(4, 6)) - 1;
  return yearMonthOf(new Date(Date.UTC(y, m + by, 1)));
}

export function daysInMonth(yyyyMM: string): number {
  const y = Number(yyyyMM.slice(0, 4));
  const m = Number(yyyyMM.slice(4, 6));
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Midnight UTC of the first day of the month after `yyyyMM`. */
export function monthEnd(yyyyMM: string): Date {
  const y = Number(yyyyMM.slice(0, 4));
  const m = Number(yyyyMM.slice(4, 6));
  return new Date(Date.UTC(y, m, 1));
}

/** yyyy-MM-dd of a date, in UTC. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

// ------------------------------------------------------------------ exact arithmetic

/** numer ÷ denom rounded half away from zero, exactly. */
export function divRound(numer: bigint, denom: bigint): bigint {
  if (denom === 0n) throw new RangeError('Division by zero');
  const negative = numer < 0n !== denom < 0n;
  const n = numer < 0n ? -numer : numer;
  const d = denom < 0n ? -denom : denom;
  const q = (2n * n + d) / (2n * d);
  return negative ? -q : q;
}

function toSafe(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`Amount out of range: ${value}`);
  return n;
}

/** (current − previous) ÷ |previous| as a percentage with one decimal ("12.5", "-3.0"); null when previous is 0. */
export function percentChange(currentMinor: number, previousMinor: number): string | null {
  if (previousMinor === 0) return null;
  const tenths = divRound(BigInt(currentMinor - previousMinor) * 1000n, BigInt(Math.abs(previousMinor)));
  const sign = tenths < 0n ? '-' : '';
  const abs = tenths < 0n ? -tenths : tenths;
  return `${sign}${abs / 10n}.${abs % 10n}`;
}

/** Amounts in the words the insight's texts use (the main process writes them in English). */
const formatMinor = (m: Money) => formatMoney(m, 'en-US');

function money(minor: number, currency: string): Money {
  return { minor: minor === 0 ? 0 : minor, currency };
}

function figure(partial: Partial<Figure> & Pick<Figure, 'state' | 'madeFrom'>): Figure {
  return { amounts: [], estimate: false, preliminary: false, ...partial };
}

// ------------------------------------------------------------------ month over month

export interface ChangeResult {
  change?: { amount: Money; percent: string | null };
  /** Why there is no change to show. */
  missing?: string;
}

/** The change from last month to this month, never across currencies. */
export function monthOverMonth(current: Money | undefined, previous: Money | undefined): ChangeResult {
  if (current === undefined) return { missing: 'No figure for this month yet.' };
  if (previous === undefined) return { missing: 'No bill for last month to compare with.' };
  if (current.currency !== previous.currency) {
    return { missing: `The currency changed from ${previous.currency} to ${current.currency}; amounts in different currencies are not compared.` };
  }
  return {
    change: { amount: money(current.minor - previous.minor, current.currency), percent: percentChange(current.minor, previous.minor) },
  };
}

// ------------------------------------------------------------------ anomalies

/** A month's bill or a day's charge, oldest first. `final`: closed, not preliminary. */
export interface SeriesPoint {
  key: string;
  amount: Money;
  final: boolean;
}

export interface AnomalyOptions {
  kind: 'month' | 'day';
  /** Trailing values the baseline is made of (6 months, 14 days). */
  window: number;
  /** Fewer earlier values than this and the point is not judged. */
  minHistory: number;
}

export const monthRule: AnomalyOptions = { kind: 'month', window: 6, minHistory: 3 };
export const dayRule: AnomalyOptions = { kind: 'day', window: 14, minHistory: 7 };
/** How far from the median, in robust standard deviations (1.4826 × MAD), a value must be. */
export const robustZ = 3.5;
/** …and at least this many times the median, or at most its inverse. */
export const minRatio = 2;

/** The rule, in the words the app's help text uses. */
export const anomalyRuleText =
  `A month's bill is compared with the median of the ${monthRule.window} closed months before it (a day's charge with the ${dayRule.window} days before it in the same month). ` +
  `It is flagged when it is at least ${minRatio}× that median or at most 1/${minRatio} of it, and also more than ${robustZ} robust standard deviations away ` +
  `(1.4826 × the median absolute deviation of those months or days), so that a history that swings a lot is not flagged for ordinary swings. ` +
  `A month needs ${monthRule.minHistory} earlier closed months in the same currency to be judged (a day, ${dayRule.minHistory} earlier days); preliminary months are never judged or used as history.`;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  // Minor units are integers, so the mean of the middle two is exact (it may end in .5).
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

function ratioText(ratio: number, direction: 'high' | 'low'): string {
  if (direction === 'low') return `${Math.round(ratio * 100)}% of`;
  return ratio >= 10 ? `${Math.round(ratio)}×` : `${(Math.round(ratio * 10) / 10).toFixed(1)}×`;
}

/** Judges one value against its baseline; undefined when it is not far from it. */
export function judge(value: number, baseline: readonly number[]): { median: number; ratio: number; direction: 'high' | 'low' } | undefined {
  const med = median(baseline);
  if (med <= 0) return undefined;
  const ratio = value / med;
  const direction = ratio >= minRatio ? 'high' : ratio <= 1 / minRatio ? 'low' : undefined;
  if (direction === undefined) return undefined;
  const spread = 1.4826 * mad(baseline);
  if (spread > 0 && Math.abs(value - med) / spread <= robustZ) return undefined;
  return { median: med, ratio, direction };
}

/** Flags every final point far from its own trailing history (same currency, final points only). */
export function findAnomalies(points: readonly SeriesPoint[], opts: AnomalyOptions): { anomalies: Anomaly[]; unjudged: number } {
  const anomalies: Anomaly[] = [];
  let unjudged = 0;
  points.forEach((p, i) => {
    if (!p.final) return;
    const history: number[] = [];
    for (let j = i - 1; j >= 0 && history.length < opts.window; j--) {
      const q = points[j] as SeriesPoint;
      if (q.final && q.amount.currency === p.amount.currency) history.push(q.amount.minor);
    }
    if (history.length < opts.minHistory) {
      unjudged += 1;
      return;
    }
    const verdict = judge(p.amount.minor, history);
    if (!verdict) return;
    const unit = opts.kind === 'month' ? 'months' : 'days';
    anomalies.push({
      kind: opts.kind,
      key: p.key,
      amount: p.amount,
      median: verdict.median,
      window: history.length,
      direction: verdict.direction,
      ratio: verdict.ratio,
      text: `${ratioText(verdict.ratio, verdict.direction)} the median of the last ${history.length} ${unit}`,
    });
  });
  return { anomalies: anomalies.reverse(), unjudged };
}

// ------------------------------------------------------------------ Soracom

export const minClosedDays = 3;

export interface SoracomForecast {
  forecast: Figure;
  closedDays: number;
  /** Monthly fees and other charges not in the daily bills: the month so far minus its days. */
  fixed?: Money;
}

/**
 * Forecast to the month's end: the month so far (closed days, today's charges so far and the
 * month's fixed fees: what the month holds beyond its daily bills, such as basic fees, monthly
 * options, free tiers and discounts) plus the daily run rate of the closed days (days before
 * `today`) for the days not yet begun. Today is counted as at least a day at that rate, so the
 * forecast is never below the month so far and, on an ordinary day, is the run rate over the whole
 * month plus the fixed fees.
 */
export function soracomForecast(input: { yyyyMM: string; today: string; soFar: Money | null | undefined; days: readonly SoracomDailyBill[] | undefined }): SoracomForecast {
  const { yyyyMM, soFar, days } = input;
  if (soFar === null) {
    return { forecast: figure({ state: 'not-reported', preliminary: true, madeFrom: 'Needs this month’s preliminary amount, which Soracom’s bill came without.' }), closedDays: 0 };
  }
  if (soFar === undefined || days === undefined) {
    // Names only what is missing: offline, the preliminary bill is often there and only the daily bills are not.
    const what = soFar === undefined ? (days === undefined ? 'this month’s preliminary bill and its daily bills' : 'this month’s preliminary bill') : 'this month’s daily bills';
    return { forecast: figure({ state: 'no-data', madeFrom: `Needs ${what}; not synced yet.` }), closedDays: 0 };
  }
  const prefix = `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4, 6)}-`;
  const mine = days.filter((d) => d.date.startsWith(prefix) && d.amount.currency === soFar.currency);
  const closed = mine.filter((d) => d.date < input.today);
  const total = daysInMonth(yyyyMM);
  if (closed.length < minClosedDays) {
    return {
      forecast: figure({
        state: 'not-enough-history',
        preliminary: true,
        madeFrom: `A forecast needs at least ${minClosedDays} closed days of this month; ${closed.length} so far.`,
      }),
      closedDays: closed.length,
    };
  }
  const closedSum = closed.reduce((n, d) => n + d.amount.minor, 0);
  const allDays = mine.reduce((n, d) => n + d.amount.minor, 0);
  const fixed = money(soFar.minor - allDays, soFar.currency);
  // Today's charges so far (and any later day the provider already lists).
  const open = allDays - closedSum;
  const todayNumber = input.today.startsWith(prefix) ? Number(input.today.slice(8, 10)) : input.today < prefix ? 0 : total;
  const notBegun = total - todayNumber;
  const n = BigInt(closed.length);
  const todayBelowRate = input.today.startsWith(prefix) && BigInt(open) * n < BigInt(closedSum);
  // Below the rate, today is counted as a whole day at the rate instead of what it has so far.
  const rest = todayBelowRate ? divRound(BigInt(closedSum) * BigInt(notBegun + 1), n) - BigInt(open) : divRound(BigInt(closedSum) * BigInt(notBegun), n);
  const amount = money(soFar.minor + toSafe(rest), soFar.currency);
  const cur = soFar.currency;
  const dayWord = (k: number) => `${k} day${k === 1 ? '' : 's'}`;
  return {
    forecast: figure({
      state: 'value',
      amounts: [amount],
      estimate: true,
      preliminary: true,
      madeFrom:
        `The month so far, ${formatMinor(soFar)} (with ${formatMinor(fixed)} of fixed fees and other charges: the month so far minus its daily bills), ` +
        (notBegun === 0 && !todayBelowRate
          ? `with nothing added: today is the month’s last day and already above the daily run rate of the ${closed.length} closed days (${formatMinor(money(closedSum, cur))} in ${dayWord(closed.length)}).`
          : `plus the daily run rate of the ${closed.length} closed days (${formatMinor(money(closedSum, cur))} in ${dayWord(closed.length)}) for ` +
            `${notBegun === 0 ? 'the rest of today' : `the ${dayWord(notBegun)} not yet begun`}${todayBelowRate && notBegun > 0 ? ', with today counted as a whole day at that rate' : ''}.`),
    }),
    closedDays: closed.length,
    fixed,
  };
}

/** Monthly bills as an anomaly series, oldest first; preliminary months are not final. A month without an amount is left out, not taken as 0. */
export function soracomSeries(bills: readonly SoracomMonthlyBill[]): SeriesPoint[] {
  return [...bills]
    .sort((a, b) => a.yearMonth.localeCompare(b.yearMonth))
    .flatMap((b) => (b.amount === null ? [] : [{ key: b.yearMonth, amount: b.amount, final: b.state !== 'temporary' }]));
}

export const failedPaymentStatuses = new Set(['fail', 'cancel_failed', 'refund_fail']);
export const openPaymentStatuses = new Set(['paying', 'charging']);

// ------------------------------------------------------------------ SpatialFlow

/** Invoices count in the (UTC) month they were issued; void ones not at all. */
export function invoicesIn(invoices: readonly SpatialFlowInvoice[], yyyyMM: string): SpatialFlowInvoice[] {
  return invoices.filter((inv) => inv.status !== 'void' && yearMonthOf(new Date(inv.createdAt)) === yyyyMM);
}

/** Months the invoice page covers completely: all of them on the last page, else those after the oldest invoice's month. */
export function coveredFrom(invoices: readonly SpatialFlowInvoice[], hasMore: boolean): string | undefined {
  const oldest = invoices.at(-1);
  if (oldest === undefined) return undefined;
  const month = yearMonthOf(new Date(oldest.createdAt));
  return hasMore ? shiftMonth(month, 1) : month;
}

/** Issued invoices per month as an anomaly series, for the months the page covers; the current month is not final. */
export function spatialflowSeries(invoices: readonly SpatialFlowInvoice[], hasMore: boolean, thisMonth: string): SeriesPoint[] {
  const from = coveredFrom(invoices, hasMore);
  if (from === undefined) return [];
  const points: SeriesPoint[] = [];
  for (let m = from; m <= thisMonth; m = shiftMonth(m, 1)) {
    const totals = sumByCurrency(invoicesIn(invoices, m).map((inv) => inv.amountDue));
    // One point per month with invoices in one currency; a month in two currencies is not judged.
    if (totals.length === 1) points.push({ key: m, amount: totals[0] as Money, final: m < thisMonth });
  }
  return points;
}

export interface UpcomingInvoice {
  date: string;
  /** What the invoice will charge: the plan's price less any credit, never below zero. */
  amount: Money;
  /** The plan's price per period, before any credit. */
  price: Money;
  planName: string;
  /** Credit carried from a downgrade in this period (negative), when there was one. */
  proration?: Money;
  /** Credit larger than the invoice: what is left over for later invoices (positive). */
  carried?: Money;
  madeFrom: string;
}

/**
 * What the rest of the period from `at` to the period's end would have cost on the plan in effect
 * just before `at`, in minor units. An upgrade is invoiced at once for the rest of its period
 * (the plan upgraded to, from the moment of the upgrade), so the newest such invoice issued up to
 * `at` tells the price then in effect; without one, the period's own invoice does. Undefined when
 * that is not known, or when the newest upgrade was to the plan it has now (no change since).
 */
function unusedBefore(at: number, start: number, end: number, invoices: readonly SpatialFlowInvoice[], price: Money): { minor: bigint; from: string } | undefined {
  const currency = price.currency;
  const live = invoices.filter((inv) => inv.status !== 'void');
  const upgrade = live.find((inv) => {
    const from = Date.parse(inv.periodStart);
    return from > start && from <= at && Date.parse(inv.periodEnd) === end;
  });
  const left = BigInt(end - at);
  if (upgrade) {
    const charge = upgrade.lines.find((l) => l.amount.minor > 0 && l.amount.currency === currency);
    const from = Date.parse(upgrade.periodStart);
    if (!charge || end <= from) return undefined;
    // It charged the price the plan has now (to the cent it was rounded to): the last change was
    // that upgrade, so there is no credit to work out.
    const onPriceNow = divRound(BigInt(price.minor) * BigInt(end - from), BigInt(end - start));
    const gap = BigInt(charge.amount.minor) - onPriceNow;
    if (gap >= -1n && gap <= 1n) return undefined;
    return { minor: divRound(BigInt(charge.amount.minor) * left, BigInt(end - from)), from: `invoice ${upgrade.number}’s charge for the rest of the period` };
  }
  const periodInvoice = live.find((inv) => Date.parse(inv.periodStart) === start);
  const line = periodInvoice?.lines[0];
  if (!periodInvoice || !line || line.unitAmount.currency !== currency) return undefined;
  return { minor: divRound(BigInt(line.unitAmount.minor) * left, BigInt(end - start)), from: `the price billed on invoice ${periodInvoice.number}` };
}

/**
 * The subscription's next invoice: the plan's price at the period's end, less the credit of a
 * downgrade made during the period (an upgrade is invoiced at once, so it is already an invoice).
 * The credit is worked out as the provider does: unused time on the price in effect before the
 * change (after an earlier upgrade in the period, the upgraded one) minus the rest of the period on
 * the new one, each rounded to whole cents. A credit larger than the price leaves nothing to pay
 * and the rest for later invoices.
 */
export function upcomingInvoice(sub: SpatialFlowSubscription | undefined, invoices: readonly SpatialFlowInvoice[]): UpcomingInvoice | undefined {
  if (!sub || !sub.currentPeriodEnd || sub.cancelAtPeriodEnd || sub.status === 'canceled') return undefined;
  const price = sub.plan.price;
  const planName = sub.plan.name;
  const priceText = `The ${planName} plan’s price per ${sub.plan.interval}, ${formatMinor(price)}`;
  const result: UpcomingInvoice = { date: sub.currentPeriodEnd, amount: price, price, planName, madeFrom: `${priceText}.` };
  const start = sub.currentPeriodStart ? Date.parse(sub.currentPeriodStart) : NaN;
  const end = Date.parse(sub.currentPeriodEnd);
  const changed = sub.updatedAt ? Date.parse(sub.updatedAt) : NaN;
  if (!(changed > start && changed < end)) return result;
  const unused = unusedBefore(changed, start, end, invoices, price);
  const remainingCharge = divRound(BigInt(price.minor) * BigInt(end - changed), BigInt(end - start));
  if (!unused || unused.minor <= remainingCharge) return result;
  const proration = money(toSafe(remainingCharge - unused.minor), price.currency);
  const net = price.minor + proration.minor;
  result.proration = proration;
  result.amount = money(Math.max(0, net), price.currency);
  const credit = money(-proration.minor, price.currency);
  let madeFrom = `${priceText}, less ${formatMinor(credit)} of credit for the downgrade on ${sub.updatedAt?.slice(0, 10)} (unused time on the old price, from ${unused.from}, minus the rest of the period on the new one)`;
  if (net < 0) {
    result.carried = money(-net, price.currency);
    madeFrom += `; the ${formatMinor(result.carried)} of credit left over carries to later invoices`;
  }
  result.madeFrom = `${madeFrom}.`;
  return result;
}

export interface SpatialFlowFigures {
  soFar: Figure;
  forecast: Figure;
  previous: Figure;
  upcoming?: UpcomingInvoice;
}

export function spatialflowFigures(input: {
  invoices: readonly SpatialFlowInvoice[] | undefined;
  hasMore: boolean;
  subscription: SpatialFlowSubscription | undefined;
  thisMonth: string;
  now: Date;
}): SpatialFlowFigures {
  const { invoices, thisMonth, now } = input;
  const lastMonth = shiftMonth(thisMonth, -1);
  if (invoices === undefined) {
    const none = figure({ state: 'no-data', madeFrom: 'The invoices have not been synced yet.' });
    return { soFar: none, forecast: none, previous: none };
  }
  const from = coveredFrom(invoices, input.hasMore);
  const sumOf = (yyyyMM: string): Figure => {
    if (from !== undefined && yyyyMM < from) {
      return figure({ state: 'not-enough-history', madeFrom: 'Only the newest invoices were synced; this month is older than them.' });
    }
    const found = invoicesIn(invoices, yyyyMM);
    return figure({
      state: found.length === 0 ? 'no-data' : 'value',
      amounts: sumByCurrency(found.map((inv) => inv.amountDue)),
      madeFrom: found.length === 0 ? 'No invoice was issued this month.' : `The ${found.length} invoice${found.length === 1 ? '' : 's'} issued this month (void ones left out).`,
    });
  };
  const soFar = sumOf(thisMonth);
  const previous = sumOf(lastMonth);
  if (input.subscription === undefined) {
    return { soFar, previous, forecast: figure({ state: 'no-data', madeFrom: 'Needs the subscription; not synced yet.' }) };
  }
  const upcoming = upcomingInvoice(input.subscription, invoices);
  const endOfMonth = monthEnd(thisMonth).getTime();
  const inMonth = upcoming !== undefined && Date.parse(upcoming.date) > now.getTime() && Date.parse(upcoming.date) < endOfMonth;
  const amounts = sumByCurrency([...soFar.amounts, ...(inMonth && upcoming ? [upcoming.amount] : [])]);
  const forecast = figure({
    state: 'value',
    amounts: amounts.length > 0 ? amounts : [money(0, input.subscription.plan.price.currency)],
    estimate: inMonth,
    madeFrom: inMonth && upcoming
      ? `Invoices issued this month plus the upcoming invoice: ${upcoming.madeFrom}`
      : `Invoices issued this month; the next invoice is not due before the month ends.`,
    ...(inMonth && upcoming ? { upcomingAt: upcoming.date } : {}),
  });
  const result: SpatialFlowFigures = { soFar, forecast, previous };
  if (upcoming) result.upcoming = upcoming;
  return result;
}

// ------------------------------------------------------------------ Agilicus

export interface AgilicusCharge {
  billingAccountId: string;
  subscriptionId: string | null;
  planName: string | null;
  interval: string | null;
  amount: Money;
  quantity: number;
  renewsAt: string | null;
  /** Where the quantity came from. */
  quantityFrom: 'subscription' | 'usage records';
}

const liveStatuses = new Set(['active', 'trialing', 'past_due']);

/** Unit price × quantity of every live subscription (quantity from the subscription, else the newest usage record). */
export function agilicusCharges(accounts: readonly AgilicusBillingAccount[], usage: ReadonlyMap<string, AgilicusUsageRecordList> = new Map()): AgilicusCharge[] {
  const charges: AgilicusCharge[] = [];
  for (const ba of accounts) {
    for (const sub of ba.subscriptions ?? []) {
      if (!liveStatuses.has(sub.status ?? '') || sub.unitPrice === null) continue;
      let quantity = sub.quantity;
      let quantityFrom: AgilicusCharge['quantityFrom'] = 'subscription';
      if (quantity === null) {
        quantity = usage.get(ba.id)?.records.find((r) => r.quantity !== null)?.quantity ?? null;
        quantityFrom = 'usage records';
      }
      if (quantity === null) continue;
      charges.push({
        billingAccountId: ba.id,
        subscriptionId: sub.id,
        planName: sub.planName,
        interval: sub.interval,
        amount: money(toSafe(BigInt(sub.unitPrice.minor) * BigInt(quantity)), sub.unitPrice.currency),
        quantity,
        renewsAt: sub.cancelAtPeriodEnd ? null : sub.currentPeriodEnd,
        quantityFrom,
      });
    }
  }
  return charges;
}

/** This month's estimate: monthly subscriptions every month, yearly ones in the month they renew. */
export function agilicusForecast(charges: readonly AgilicusCharge[] | undefined, thisMonth: string): Figure {
  if (charges === undefined) return figure({ state: 'no-data', madeFrom: 'The billing accounts have not been synced yet.' });
  const counted = charges.filter((c) => c.interval !== 'year' || (c.renewsAt !== null && yearMonthOf(new Date(c.renewsAt)) === thisMonth));
  if (counted.length === 0) return figure({ state: 'no-data', estimate: true, madeFrom: 'No live subscription with a unit price is charged this month.' });
  return figure({
    state: 'value',
    amounts: sumByCurrency(counted.map((c) => c.amount)),
    estimate: true,
    madeFrom: `Estimate: unit price × quantity of ${counted.length} subscription${counted.length === 1 ? '' : 's'} (${counted.map((c) => `${c.planName ?? 'plan'} × ${c.quantity}`).join(', ')}); Agilicus reports no billed amounts.`,
  });
}

// ------------------------------------------------------------------ calendar

/** Entries due from `now` up to `days` days later, soonest first; open invoices are due already and always kept. */
export function upcoming(entries: readonly CalendarEntry[], now: Date, days: number): CalendarEntry[] {
  const from = now.getTime();
  const to = from + days * 86_400_000;
  return entries
    .filter((e) => {
      const t = Date.parse(e.date);
      return t <= to && (e.kind === 'invoice-open' || t >= from);
    })
    .sort((a, b) => a.date.localeCompare(b.date));
}
