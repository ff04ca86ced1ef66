import { describe, expect, it } from 'vitest';
import type { AgilicusBillingAccount, AgilicusSubscription } from '../../../contract/models/agilicus';
import type { SpatialFlowInvoice, SpatialFlowPlan, SpatialFlowSubscription } from '../../../contract/models/spatialflow';
import {
  agilicusCharges,
  agilicusForecast,
  dayRule,
  daysInMonth,
  divRound,
  findAnomalies,
  mad,
  median,
  monthOverMonth,
  monthRule,
  percentChange,
  soracomForecast,
  spatialflowFigures,
  spatialflowSeries,
  upcomingInvoice,
  type SeriesPoint,
} from '../../../main/insight/rules';
import { mapInvoice, mapSubscription } from '../../../main/providers/spatialflow/map';
import { invoiceSchema, subscriptionSchema } from '../../../main/providers/spatialflow/schemas';
import { BillingState } from '../../../main/sandbox/spatialflow/state';

const jpy = (minor: number) => ({ minor, currency: 'JPY' });
const usd = (minor: number) => ({ minor, currency: 'USD' });
const day = (date: string, minor: number, currency = 'JPY') => ({ date, amount: { minor, currency } });
const months = (amounts: number[], currency = 'USD', from = 202301): SeriesPoint[] =>
  amounts.map((minor, i) => {
    const y = Math.floor(from / 100) + Math.floor(((from % 100) - 1 + i) / 12);
    const m = (((from % 100) - 1 + i) % 12) + 1;
    return { key: `${y}${String(m).padStart(2, '0')}`, amount: { minor, currency }, final: true };
  });

describe('exact arithmetic', () => {
  it('rounds half away from zero', () => {
    expect(divRound(5n, 2n)).toBe(3n);
    expect(divRound(-5n, 2n)).toBe(-3n);
    expect(divRound(31031n, 3n)).toBe(10344n); // 10343.67
    expect(divRound(7n, 3n)).toBe(2n);
  });

  it('gives the percentage with one decimal, of last month', () => {
    expect(percentChange(7100, 5000)).toBe('42.0');
    expect(percentChange(900, 1200)).toBe('-25.0');
    expect(percentChange(1000, 3000)).toBe('-66.7');
    expect(percentChange(1, 3)).toBe('-66.7');
    expect(percentChange(100, 0)).toBeNull();
  });

  it('knows leap years', () => {
    expect(daysInMonth('202402')).toBe(29);
    expect(daysInMonth('202302')).toBe(28);
    expect(daysInMonth('210002')).toBe(28);
    expect(daysInMonth('200002')).toBe(29);
    expect(daysInMonth('202404')).toBe(30);
  });
});

describe('month over month', () => {
  it('is the amount and percentage change in one currency', () => {
    expect(monthOverMonth(jpy(7100), jpy(5000))).toEqual({ change: { amount: jpy(2100), percent: '42.0' } });
    expect(monthOverMonth(usd(900), usd(1200))).toEqual({ change: { amount: usd(-300), percent: '-25.0' } });
  });

  it('says why there is nothing to compare for a month with no data', () => {
    expect(monthOverMonth(jpy(7100), undefined).missing).toMatch(/No bill for last month/);
    expect(monthOverMonth(undefined, jpy(7100)).missing).toMatch(/No figure for this month/);
  });

  it('never compares across a currency change', () => {
    const r = monthOverMonth({ minor: 5000, currency: 'EUR' }, usd(4000));
    expect(r.change).toBeUndefined();
    expect(r.missing).toBe('The currency changed from USD to EUR; amounts in different currencies are not compared.');
  });
});

describe('Soracom forecast', () => {
  it('is the run rate of the closed days over the month plus the fixed fees (31 days)', () => {
    // Closed: 1–10 March, 200 each (2,000). Today (the 11th) has 150 so far. The month so far is
    // 2,000 + 150 + 1,300 of monthly fees = 3,450, so the fixed part is 3,450 − 2,150 = 1,300.
    const days = [day('2024-03-11', 150), ...Array.from({ length: 10 }, (_, i) => day(`2024-03-${String(10 - i).padStart(2, '0')}`, 200))];
    const f = soracomForecast({ yyyyMM: '202403', today: '2024-03-11', soFar: jpy(3450), days });
    // 2,000 × 31 ÷ 10 = 6,200; + 1,300 = 7,500.
    expect(f.forecast.state).toBe('value');
    expect(f.forecast.amounts).toEqual([jpy(7500)]);
    expect(f.fixed).toEqual(jpy(1300));
    expect(f.closedDays).toBe(10);
    expect(f.forecast.preliminary).toBe(true);
  });

  it('uses 29 days in a leap-year February and 28 otherwise', () => {
    const leap = [day('2024-02-06', 150), ...[1, 2, 3, 4, 5].map((d) => day(`2024-02-0${d}`, 200))];
    // 1,000 × 29 ÷ 5 = 5,800; fixed 2,450 − 1,150 = 1,300 → 7,100.
    expect(soracomForecast({ yyyyMM: '202402', today: '2024-02-06', soFar: jpy(2450), days: leap }).forecast.amounts).toEqual([jpy(7100)]);
    const plain = leap.map((d) => ({ ...d, date: d.date.replace('2024', '2023') }));
    // 1,000 × 28 ÷ 5 = 5,600 + 1,300 = 6,900.
    expect(soracomForecast({ yyyyMM: '202302', today: '2023-02-06', soFar: jpy(2450), days: plain }).forecast.amounts).toEqual([jpy(6900)]);
  });

  it('rounds the run rate half away from zero, in minor units', () => {
    const days = [day('2024-03-01', 333), day('2024-03-02', 334), day('2024-03-03', 334)];
    // 1,001 × 31 ÷ 3 = 10,343.67 → 10,344; fixed 1,001 + 0 − 1,001 = 0.
    expect(soracomForecast({ yyyyMM: '202403', today: '2024-03-04', soFar: jpy(1001), days }).forecast.amounts).toEqual([jpy(10344)]);
    const cents = [day('2024-03-01', 1, 'USD'), day('2024-03-02', 0, 'USD'), day('2024-03-03', 0, 'USD')];
    // 1 × 31 ÷ 3 = 10.33 → 10 cents.
    expect(soracomForecast({ yyyyMM: '202403', today: '2024-03-04', soFar: usd(1), days: cents }).forecast.amounts).toEqual([usd(10)]);
  });

  it('is never below the month so far: on the month’s last day, a day above the run rate is counted as it is', () => {
    // November 2026, the 30th (its last day): 29 closed days of 300 (8,700), today 400 so far,
    // 1,000 of monthly fees: the month so far is 10,100. The run rate over the month plus the fees
    // would be 8,700 × 30 ÷ 29 + 1,000 = 10,000, less than what is already spent.
    const days = [day('2026-11-30', 400), ...Array.from({ length: 29 }, (_, i) => day(`2026-11-${String(i + 1).padStart(2, '0')}`, 300))];
    const f = soracomForecast({ yyyyMM: '202611', today: '2026-11-30', soFar: jpy(10100), days });
    expect(f.forecast.amounts).toEqual([jpy(10100)]);
    expect(f.forecast.madeFrom).toContain('The month so far, ¥10,100');
    expect(f.forecast.madeFrom).toContain('with nothing added: today is the month’s last day and already above the daily run rate of the 29 closed days (¥8,700 in 29 days)');
    // Mid-month with today above the rate: the month so far plus the rate for the days not yet begun.
    const mid = [day('2024-03-11', 500), ...Array.from({ length: 10 }, (_, i) => day(`2024-03-${String(i + 1).padStart(2, '0')}`, 200))];
    // 3,800 + 200 × 20 = 7,800 (the run rate over the month plus the fees would be 7,500).
    expect(soracomForecast({ yyyyMM: '202403', today: '2024-03-11', soFar: jpy(3800), days: mid }).forecast.amounts).toEqual([jpy(7800)]);
  });

  it('names only what is missing when it cannot forecast', () => {
    const only = (soFar: ReturnType<typeof jpy> | undefined, days: ReturnType<typeof day>[] | undefined) =>
      soracomForecast({ yyyyMM: '202403', today: '2024-03-20', soFar, days }).forecast.madeFrom;
    expect(only(jpy(100), undefined)).toBe('Needs this month’s daily bills; not synced yet.');
    expect(only(undefined, [])).toBe('Needs this month’s preliminary bill; not synced yet.');
    expect(only(undefined, undefined)).toBe('Needs this month’s preliminary bill and its daily bills; not synced yet.');
  });

  it('says "not enough history" with fewer than 3 closed days', () => {
    const days = [day('2024-03-01', 200), day('2024-03-02', 200), day('2024-03-03', 90)];
    const f = soracomForecast({ yyyyMM: '202403', today: '2024-03-03', soFar: jpy(1790), days });
    expect(f.forecast.state).toBe('not-enough-history');
    expect(f.forecast.amounts).toEqual([]);
  });

  it('has no forecast for a month with no data', () => {
    expect(soracomForecast({ yyyyMM: '202403', today: '2024-03-20', soFar: undefined, days: undefined }).forecast.state).toBe('no-data');
    expect(soracomForecast({ yyyyMM: '202403', today: '2024-03-20', soFar: jpy(0), days: [] }).forecast.state).toBe('not-enough-history');
  });
});

describe('anomalies (median and MAD of the trailing months)', () => {
  it('flags a month far above its history and says how far', () => {
    // Last 6: 100 110 90 105 95 100 → median 100, MAD 5; 2,400 is 24× and 310 robust deviations away.
    const { anomalies } = findAnomalies(months([100, 110, 90, 105, 95, 100, 2400]), monthRule);
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({ key: '202307', median: 100, window: 6, direction: 'high', text: '24× the median of the last 6 months' });
  });

  it('flags a month far below its history', () => {
    const { anomalies } = findAnomalies(months([100, 100, 104, 96, 30]), monthRule);
    expect(anomalies.map((a) => [a.key, a.text])).toEqual([['202305', '30% of the median of the last 4 months']]);
  });

  it('does not flag ordinary growth nor a swinging history', () => {
    expect(findAnomalies(months([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]), monthRule).anomalies).toEqual([]);
    // Median of 60 140 80 120 100 90 is 95 and MAD 20: 195 is 2.05× but only 3.4 robust deviations (1.4826 × 20) away.
    expect(findAnomalies(months([60, 140, 80, 120, 100, 90, 195]), monthRule).anomalies).toEqual([]);
    // With a steadier history the same ratio is flagged.
    expect(findAnomalies(months([95, 96, 94, 95, 95, 96, 195]), monthRule).anomalies.map((a) => a.text)).toEqual(['2.1× the median of the last 6 months']);
  });

  it('needs 3 earlier months and judges neither nor uses a preliminary month', () => {
    const points = months([100, 100, 5000, 100, 100, 100, 9000]);
    points[6] = { ...(points[6] as SeriesPoint), final: false };
    const r = findAnomalies(points, monthRule);
    // The 5,000 month has 2 earlier months: not judged. The preliminary 9,000 is not judged either.
    expect(r.anomalies).toEqual([]);
    expect(r.unjudged).toBe(3);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(mad([1, 2, 3, 4])).toBe(1);
  });

  it('never takes a month in another currency as history', () => {
    const points = [...months([100, 100, 100, 100], 'USD', 202301), ...months([100, 5000], 'EUR', 202305)];
    const r = findAnomalies(points, monthRule);
    expect(r.anomalies).toEqual([]);
    expect(r.unjudged).toBe(3 + 2);
  });

  it('judges a day against the days before it in the month, once it has 7 of them', () => {
    const days: SeriesPoint[] = [100, 104, 98, 101, 99, 103, 97, 100, 940, 102].map((minor, i) => ({ key: `2024-02-${String(i + 1).padStart(2, '0')}`, amount: jpy(minor), final: true }));
    const r = findAnomalies(days, dayRule);
    expect(r.anomalies.map((a) => [a.key, a.text])).toEqual([['2024-02-09', '9.4× the median of the last 8 days']]);
    expect(r.unjudged).toBe(7);
  });

  it('skips a month with no data instead of counting it as zero', () => {
    const points = months([100, 100, 100, 100, 100]).filter((p) => p.key !== '202303');
    points.push({ key: '202306', amount: usd(400), final: true });
    expect(findAnomalies(points, monthRule).anomalies[0]?.text).toBe('4.0× the median of the last 4 months');
  });
});

const plan = (price: number, name = 'Pro'): SpatialFlowPlan => ({
  id: `plan_${name.toLowerCase()}`,
  name,
  description: '',
  tier: name.toLowerCase(),
  price: usd(price),
  interval: 'month',
  features: [],
  limits: { apiCalls: 0, geofences: 0, webhooksDelivered: 0, testPoints: 0, rateLimitPerHour: 0 },
  featured: false,
});
const invoice = (id: string, createdAt: string, amount: number, periodStart: string, extra: Partial<SpatialFlowInvoice> = {}): SpatialFlowInvoice => ({
  id,
  number: id,
  status: 'paid',
  amountDue: usd(amount),
  amountPaid: usd(amount),
  periodStart,
  periodEnd: periodStart,
  createdAt,
  hasPdf: true,
  lines: [{ description: 'plan', quantity: 1, unitAmount: usd(amount), amount: usd(amount) }],
  ...extra,
});

describe('SpatialFlow forecast', () => {
  const sub = (over: Partial<SpatialFlowSubscription> = {}): SpatialFlowSubscription => ({
    plan: plan(4900),
    status: 'active',
    currentPeriodStart: '2024-03-10T00:00:00.000Z',
    currentPeriodEnd: '2024-04-10T00:00:00.000Z',
    cancelAtPeriodEnd: false,
    createdAt: '2023-01-10T00:00:00.000Z',
    updatedAt: '2024-03-10T00:00:00.000Z',
    ...over,
  });

  it('is the issued invoices plus the upcoming invoice when it falls in the month', () => {
    const invoices = [invoice('in_3', '2024-03-10T01:00:00.000Z', 4900, '2024-03-10T00:00:00.000Z', { status: 'open' }), invoice('in_2', '2024-02-10T01:00:00.000Z', 5500, '2024-02-10T00:00:00.000Z')];
    const april = spatialflowFigures({ invoices, hasMore: false, subscription: sub(), thisMonth: '202404', now: new Date('2024-04-02T00:00:00Z') });
    expect(april.soFar.state).toBe('no-data');
    expect(april.forecast.amounts).toEqual([usd(4900)]);
    expect(april.forecast.estimate).toBe(true);
    // The upcoming invoice's date goes to the window as a time, to be shown as the calendar shows dates.
    expect(april.forecast.upcomingAt).toBe('2024-04-10T00:00:00.000Z');
    expect(april.forecast.madeFrom).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(april.previous.amounts).toEqual([usd(4900)]);
    const march = spatialflowFigures({ invoices, hasMore: false, subscription: sub(), thisMonth: '202403', now: new Date('2024-03-20T00:00:00Z') });
    // The renewal on 10 April is after March ends: nothing more this month.
    expect(march.forecast.amounts).toEqual([usd(4900)]);
    expect(march.forecast.estimate).toBe(false);
    expect(march.forecast.upcomingAt).toBeUndefined();
    expect(march.previous.amounts).toEqual([usd(5500)]);
  });

  it('includes the credit of a downgrade made during the period', () => {
    // Business (199.00) billed on 10 March; down to Pro (49.00) on 26 March, 15 of 31 days left.
    const invoices = [invoice('in_3', '2024-03-10T01:00:00.000Z', 19900, '2024-03-10T00:00:00.000Z')];
    const up = upcomingInvoice(sub({ updatedAt: '2024-03-26T00:00:00.000Z' }), invoices);
    // Unused Business time 19,900 × 15/31 = 9,629.03 → 9,629; rest on Pro 4,900 × 15/31 = 2,370.97 → 2,371.
    expect(up?.proration).toEqual(usd(2371 - 9629));
    // A credit larger than the price: nothing to pay, the rest carried to later invoices.
    expect(up?.amount).toEqual(usd(0));
    expect(up?.carried).toEqual(usd(9629 - 2371 - 4900));
    expect(up?.madeFrom).toContain('less $72.58 of credit for the downgrade on 2024-03-26');
    expect(up?.madeFrom).toContain('the $23.58 of credit left over carries to later invoices');
    expect(up?.date).toBe('2024-04-10T00:00:00.000Z');
  });

  it('matches the provider’s own preview of the next invoice after an upgrade and a downgrade back in one period', () => {
    // The sandbox's billing rules on a clock the test moves (whole seconds, as the API reports times).
    let at = Date.UTC(2026, 10, 20, 12);
    const state = new BillingState(1, 60, () => at);
    const { periodStartMs, periodEndMs } = state.subscription;
    const read = () => ({ sub: mapSubscription(subscriptionSchema.parse(state.subscriptionJson())), invoices: Array.from({ length: 3 }, (_, i) => mapInvoice(invoiceSchema.parse(state.invoiceAt(i)))) });
    at = periodStartMs + Math.round((periodEndMs - periodStartMs) * 0.4 / 1000) * 1000;
    state.changePlan('plan_business');
    // Just after an upgrade the next invoice is the new plan's price: the upgrade was invoiced at once.
    const upgraded = upcomingInvoice(read().sub, read().invoices);
    expect(upgraded?.amount).toEqual(usd(19900));
    expect(upgraded?.proration).toBeUndefined();

    at += 3_600_000;
    const preview = state.preview('plan_pro');
    state.changePlan('plan_pro');
    // What SpatialFlow's preview said the next invoice is: the Business price plus the change, here below zero.
    const previewNext = 19900 + preview.nextInvoiceChange;
    expect(previewNext).toBeLessThan(0);
    const { sub, invoices } = read();
    const up = upcomingInvoice(sub, invoices);
    expect(up?.amount).toEqual(usd(0));
    // Worked out from the upgrade invoice's charge, rounded to cents as the provider rounds: within a cent.
    expect(Math.abs((up?.proration?.minor ?? 0) - preview.proratedAmount)).toBeLessThanOrEqual(1);
    expect(Math.abs((up?.carried?.minor ?? 0) + previewNext)).toBeLessThanOrEqual(1);
    expect(up?.madeFrom).toMatch(/^The Pro plan’s price per month, \$49\.00, less \$\d+\.\d\d of credit for the downgrade/);
  });

  it('gives no credit after an upgrade, even where rounding its invoice would leave a cent of one', () => {
    // Up to Business at 14:00:07; the provider's invoice for it says 14:00:05 and charges 19,900 × the rest of the period.
    const upgrade = invoice('in_4', '2024-03-10T14:00:05.000Z', 19526, '2024-03-10T14:00:05.000Z', {
      periodEnd: '2024-04-10T00:00:00.000Z',
      lines: [
        { description: 'Unused time on Pro', quantity: 1, unitAmount: usd(-4808), amount: usd(-4808) },
        { description: 'Remaining time on Business', quantity: 1, unitAmount: usd(19526), amount: usd(19526) },
      ],
    });
    const period = invoice('in_3', '2024-03-10T01:00:00.000Z', 4900, '2024-03-10T00:00:00.000Z');
    const up = upcomingInvoice(sub({ plan: plan(19900, 'Business'), updatedAt: '2024-03-10T14:00:07.000Z' }), [upgrade, period]);
    expect(up?.amount).toEqual(usd(19900));
    expect(up?.proration).toBeUndefined();
    expect(up?.madeFrom).toBe('The Business plan’s price per month, $199.00.');
  });

  it('has no upcoming invoice for a subscription that ends', () => {
    expect(upcomingInvoice(sub({ cancelAtPeriodEnd: true }), [])).toBeUndefined();
  });

  it('says so when the invoice page does not reach back to last month', () => {
    const invoices = [invoice('in_3', '2024-03-10T01:00:00.000Z', 4900, '2024-03-10T00:00:00.000Z')];
    const f = spatialflowFigures({ invoices, hasMore: true, subscription: sub(), thisMonth: '202403', now: new Date('2024-03-20T00:00:00Z') });
    expect(f.previous.state).toBe('not-enough-history');
    expect(spatialflowSeries(invoices, true, '202403')).toEqual([]);
  });
});

describe('Agilicus estimate', () => {
  const subscription = (over: Partial<AgilicusSubscription>): AgilicusSubscription => ({
    id: 'sub_1',
    status: 'active',
    planName: 'Business',
    unitPrice: { minor: 600, currency: 'CAD' },
    interval: 'month',
    quantity: 52,
    currentPeriodEnd: '2024-03-28T00:00:00.000Z',
    cancelAtPeriodEnd: false,
    ...over,
  });
  const account = (id: string, subs: AgilicusSubscription[]): AgilicusBillingAccount => ({
    id,
    customerId: null,
    devMode: false,
    created: null,
    updated: null,
    orgs: [],
    products: [],
    customer: null,
    subscriptions: subs,
  });

  it('is unit price × quantity per currency, labelled as an estimate', () => {
    const accounts = [
      account('ba1', [subscription({})]),
      account('ba2', [subscription({ id: 'sub_2', status: 'trialing', unitPrice: { minor: 0, currency: 'USD' }, quantity: 9 })]),
      account('ba3', [subscription({ id: 'sub_3', status: 'canceled', quantity: 140 })]),
      account('ba4', [subscription({ id: 'sub_4', quantity: null })]),
    ];
    const usage = new Map([['ba4', { limit: 10, records: [{ quantity: null, timestamp: null, date: null }, { quantity: 7, timestamp: null, date: null }], totalQuantity: 7, mayBeTruncated: false }]]);
    const charges = agilicusCharges(accounts, usage);
    expect(charges.map((c) => [c.amount, c.quantityFrom])).toEqual([
      [{ minor: 31200, currency: 'CAD' }, 'subscription'],
      [{ minor: 0, currency: 'USD' }, 'subscription'],
      [{ minor: 4200, currency: 'CAD' }, 'usage records'],
    ]);
    const f = agilicusForecast(charges, '202403');
    expect(f.amounts).toEqual([
      { minor: 35400, currency: 'CAD' },
      { minor: 0, currency: 'USD' },
    ]);
    expect(f.estimate).toBe(true);
  });

  it('counts a yearly subscription only in the month it renews', () => {
    const charges = agilicusCharges([account('ba1', [subscription({ interval: 'year', currentPeriodEnd: '2024-05-02T00:00:00.000Z' })])]);
    expect(agilicusForecast(charges, '202403').state).toBe('no-data');
    expect(agilicusForecast(charges, '202405').amounts).toEqual([{ minor: 31200, currency: 'CAD' }]);
  });
});
