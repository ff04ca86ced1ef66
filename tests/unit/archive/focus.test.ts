import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpatialFlowInvoice } from '../../../contract/models/spatialflow';
import { fromMinor } from '../../../contract/money';
import { fromScaled, toScaled } from '../../../main/archive/decimal';
import { billedByInvoice, classifySoracomItem, classifySpatialFlowLine, soracomMonthRows, spatialflowInvoiceRows } from '../../../main/archive/focus';
import { monthRange, monthStartMs, parsePeriod, utcDayMs } from '../../../main/archive/period';
import { readSoracomCsv, type SoracomCsv } from '../../../main/archive/soracom-csv';

let dir: string;
let csv: SoracomCsv;
const account = { id: 'acc_1', name: 'Fleet' };

/** A detailed CSV as Soracom writes it: BOM, CRLF, tag columns, a group column, monthly rows dated yyyyMM. */
const csvText = [
  'imsi,date,billItemName,unitPrice,quantity,amount,tag:name,tag:location,group',
  '440103000000001,20261003,"Basic fee (plan-D, s1.standard)",10,1,10,Gateway 1,"Tokyo, Minato-ku",Cold chain',
  '440103000000001,20261003,"Data fee (plan-D, upload)",0.0000002,5000000,1,Gateway 1,"Tokyo, Minato-ku",Cold chain',
  '440103000000001,20261003,SMS fee (MO),3,2,6,Gateway 1,"Tokyo, Minato-ku",',
  '440103000000001,2026100x,broken row,1,1,1,,,',
  ',202610,"Free tier (data, 1 GB/month)",-0.0000002,5000000,-1,,,',
  ',202610,SORACOM Harvest Data storage extension (monthly),500,1,500,,,',
].join('\r\n');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-focus-'));
  await fs.writeFile(path.join(dir, 'bill.csv'), `\uFEFF${csvText}\r\n`);
  csv = await readSoracomCsv(path.join(dir, 'bill.csv'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const bill = (minor: number, extra: Record<string, unknown> = {}) => ({ yearMonth: '202610', amount: fromMinor(minor, 'JPY'), state: 'closed', ...extra });
const monthRows = (b: ReturnType<typeof bill> | undefined) => soracomMonthRows({ account, yyyyMM: '202610', bill: b, fallbackCurrency: 'JPY', sourceDocument: 'bill.csv', csv });
const billed = (rows: { BilledCost: string }[]) => fromScaled(rows.reduce((s, r) => s + toScaled(r.BilledCost), 0n));

describe('periods', () => {
  it('a month or a quarter, in UTC, end exclusive', () => {
    expect(parsePeriod('2026-10')).toEqual({ label: '2026-10', months: ['202610'], start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' });
    expect(parsePeriod('2026-Q4')).toMatchObject({ months: ['202610', '202611', '202612'], start: '2026-10-01T00:00:00Z', end: '2027-01-01T00:00:00Z' });
    expect(monthRange('2026-11', '2027-02').months).toEqual(['202611', '202612', '202701', '202702']);
    for (const bad of ['2026-13', '2026-Q5', '26-10', '2026-10/../x']) expect(() => parsePeriod(bad), bad).toThrow(expect.objectContaining({ code: 'invalid_args' }));
    expect(() => monthRange('2026-10', '2026-09')).toThrow(expect.objectContaining({ code: 'invalid_args' }));
  });

  it('a year from 0 to 99 is never taken for 1900 and after', () => {
    expect(new Date(monthStartMs(99, 12)).toISOString()).toBe('0099-12-01T00:00:00.000Z');
    expect(new Date(monthStartMs(99, 13)).toISOString()).toBe('0100-01-01T00:00:00.000Z');
    expect(new Date(utcDayMs(5, 3, 31)).toISOString()).toBe('0005-03-31T00:00:00.000Z');
    for (const bad of ['0000-01', '0099-Q4', '1999-12', '2100-01']) expect(() => parsePeriod(bad), bad).toThrow(expect.objectContaining({ code: 'invalid_args' }));
    expect(() => monthRange('1999-12', '2000-01')).toThrow(expect.objectContaining({ code: 'invalid_args', message: expect.stringContaining('from 2000 to 2099') as unknown }));
    expect(parsePeriod('2099-Q4').end).toBe('2100-01-01T00:00:00Z');
  });
});

describe('Soracom detailed CSV rows', () => {
  it('are read by column name; a row without a readable date is counted, not exported', () => {
    expect(csv.rows).toHaveLength(5);
    expect(csv.malformed).toEqual([5]);
    expect(csv.rows[0]).toMatchObject({ line: 2, resourceId: '440103000000001', tags: { name: 'Gateway 1', location: 'Tokyo, Minato-ku' }, group: 'Cold chain' });
    expect(fromScaled(csv.total)).toBe('516');
  });

  it('are classified as the FOCUS notes say', () => {
    expect(classifySoracomItem('Basic fee (plan-D, s1.standard)', false, 10n)).toMatchObject({ category: 'Purchase', frequency: 'Recurring', unit: 'Days', serviceCategory: 'Networking', serviceSubcategory: 'Network Connectivity' });
    expect(classifySoracomItem('Data fee (plan01s, download)', false, 1n)).toMatchObject({ category: 'Usage', frequency: 'Usage-Based', unit: 'B' });
    expect(classifySoracomItem('SMS fee (MO)', false, 6n)).toMatchObject({ category: 'Usage', unit: 'Messages' });
    expect(classifySoracomItem('Free tier (data, 1 GB/month)', true, -1n)).toMatchObject({ category: 'Credit', unit: 'B' });
    expect(classifySoracomItem('Volume discount (basic fee, 5%)', true, -100n)).toMatchObject({ category: 'Credit' });
    expect(classifySoracomItem('SORACOM Napter audit log option (monthly)', true, 1000n)).toMatchObject({ category: 'Purchase', frequency: 'Recurring', unit: 'Months', serviceName: 'SORACOM Napter', serviceCategory: 'Internet of Things', serviceSubcategory: 'IoT Platforms' });
    expect(classifySoracomItem('SIM shipping fee', false, 500n)).toMatchObject({ category: 'Purchase', frequency: 'One-Time' });
  });

  it('carry the day as the charge period, the month as the billing period, and tags as JSON', () => {
    const { rows } = monthRows(bill(516));
    const [basic, data, sms, free, harvest] = rows;
    expect(basic).toMatchObject({ ChargePeriodStart: '2026-10-03T00:00:00Z', ChargePeriodEnd: '2026-10-04T00:00:00Z', BillingPeriodStart: '2026-10-01T00:00:00Z', BillingPeriodEnd: '2026-11-01T00:00:00Z' });
    expect(basic).toMatchObject({ BillingCurrency: 'JPY', BilledCost: '10', ListCost: '10', EffectiveCost: '10', ContractedCost: '10', ListUnitPrice: '10', PricingQuantity: '1', PricingUnit: 'Days', ConsumedQuantity: null, InvoiceId: '202610' });
    expect(basic?.Tags).toEqual({ name: 'Gateway 1', location: 'Tokyo, Minato-ku', 'soracom/group': 'Cold chain' });
    expect(basic).toMatchObject({ ResourceId: '440103000000001', ResourceName: 'Gateway 1', x_SourceLine: 2 });
    expect(data).toMatchObject({ ChargeCategory: 'Usage', ListUnitPrice: '0.0000002', PricingQuantity: '5000000', ConsumedQuantity: '5000000', ConsumedUnit: 'B' });
    expect(sms?.Tags).toEqual({ name: 'Gateway 1', location: 'Tokyo, Minato-ku' });
    // The free tier's negative unit price is no list price (ListUnitPrice is never negative).
    expect(free).toMatchObject({ ChargeCategory: 'Credit', BilledCost: '-1', ListUnitPrice: null, ChargePeriodStart: '2026-10-01T00:00:00Z', ChargePeriodEnd: '2026-11-01T00:00:00Z', ResourceId: null, Tags: null });
    expect(harvest).toMatchObject({ ChargeCategory: 'Purchase', ChargeFrequency: 'Recurring', ServiceName: 'SORACOM Harvest' });
    expect(rows).toHaveLength(5);
  });

  it('keep the rounded amount as BilledCost and list price × quantity, exactly, as ListCost', async () => {
    const file = path.join(dir, 'rounded.csv');
    await fs.writeFile(file, [
      'imsi,date,billItemName,unitPrice,quantity,amount',
      '440103000000001,20261003,"Data fee (plan-D, upload)",0.0000002,4791902,1',
      '440103000000001,20261003,"Data fee (plan-D, download)",0.0000002,1242731,0',
      ',202610,Coupon credit,100,1,-100',
      '',
    ].join('\r\n'));
    const { rows } = soracomMonthRows({ account, yyyyMM: '202610', bill: undefined, fallbackCurrency: 'JPY', sourceDocument: 'rounded.csv', csv: await readSoracomCsv(file) });
    expect(rows.map((r) => [r.ChargeCategory, r.BilledCost, r.EffectiveCost, r.ListUnitPrice, r.PricingQuantity, r.ListCost, r.ContractedCost])).toEqual([
      ['Usage', '1', '1', '0.0000002', '4791902', '0.9583804', '0.9583804'],
      ['Usage', '0', '0', '0.0000002', '1242731', '0.2485462', '0.2485462'],
      // A credit carries no list price: its ListCost is what it took off the bill.
      ['Credit', '-100', '-100', null, '1', '-100', '-100'],
    ]);
  });

  it('add up to a final bill: tax and coupons become their own rows', () => {
    const equal = monthRows(bill(516));
    expect(equal.balance.added).toEqual([]);
    const taxed = monthRows(bill(568));
    // FOCUS 1.2: a tax row has no unit price nor quantity, and never a null ListCost; the rate is unknown, so it is the tax billed.
    expect(taxed.balance.added.map((r) => [r.ChargeCategory, r.BilledCost, r.PricingQuantity, r.PricingUnit, r.ListUnitPrice, r.ListCost, r.ContractedCost])).toEqual([['Tax', '52', null, null, null, '52', '52']]);
    expect(billed(taxed.rows)).toBe('568');
    const coupon = monthRows(bill(468, { appliedCouponAmount: fromMinor(100, 'JPY') }));
    expect(coupon.balance.added.map((r) => [r.ChargeCategory, r.BilledCost])).toEqual([['Credit', '-100'], ['Tax', '52']]);
    expect(billed(coupon.rows)).toBe('468');
    const lower = monthRows(bill(500));
    expect(lower.balance.added.map((r) => [r.ChargeCategory, r.BilledCost])).toEqual([['Adjustment', '-16']]);
  });

  it('say a bill that is not closed is preliminary even when the CSV matches it, since both may still change', () => {
    expect(monthRows(bill(516, { state: 'temporary' })).balance.note).toBe('The 2026-10 bill is preliminary (temporary): these costs may still change until the month is closed.');
    expect(monthRows(bill(516)).balance.note).toBeUndefined();
  });

  it('are not balanced against a bill that is not final, nor without a bill', () => {
    const open = monthRows(bill(600, { state: 'temporary' }));
    expect(open.balance.added).toEqual([]);
    expect(open.balance.note).toBe('The 2026-10 bill is preliminary (temporary): the difference to the CSV is not booked, and these costs may still change until the month is closed.');
    const none = soracomMonthRows({ account, yyyyMM: '202610', bill: undefined, fallbackCurrency: 'USD', sourceDocument: 'bill.csv', csv });
    expect(none.rows[0]?.BillingCurrency).toBe('USD');
    expect(none.balance.note).toMatch(/No 2026-10 bill has been synced/);
  });
});

const invoice = (lines: [string, number, number][], total: number, currency = 'usd'): SpatialFlowInvoice => ({
  id: 'in_1abc',
  number: 'SF-0042',
  status: 'paid',
  amountDue: fromMinor(total, currency),
  amountPaid: fromMinor(total, currency),
  periodStart: '2026-10-15T00:00:00.000Z',
  periodEnd: '2026-11-15T00:00:00.000Z',
  createdAt: '2026-10-15T01:00:00.000Z',
  hasPdf: true,
  lines: lines.map(([description, quantity, amount]) => ({ description, quantity, unitAmount: fromMinor(amount / quantity, currency), amount: fromMinor(amount, currency) })),
});

describe('SpatialFlow invoice line items', () => {
  it('are classified: plan Purchase/Recurring, overage Usage, negative proration Credit, tax Tax', () => {
    expect(classifySpatialFlowLine('Pro plan (Oct 15, 2026 - Nov 15, 2026)', 4900)).toEqual({ category: 'Purchase', frequency: 'Recurring' });
    expect(classifySpatialFlowLine('Event overage (per 100k events)', 300)).toEqual({ category: 'Usage', frequency: 'Usage-Based' });
    expect(classifySpatialFlowLine('Unused time on Pro after Oct 20, 2026', -3000)).toEqual({ category: 'Credit', frequency: 'One-Time' });
    expect(classifySpatialFlowLine('Remaining time on Business after Oct 20, 2026', 9000)).toEqual({ category: 'Purchase', frequency: 'One-Time' });
    expect(classifySpatialFlowLine('Sales tax (8.875%)', 435)).toEqual({ category: 'Tax', frequency: 'One-Time' });
  });

  it('become rows in the invoice currency, minor units divided out, periods from the invoice', () => {
    const { rows, adjustment } = spatialflowInvoiceRows(account, invoice([['Pro plan (Oct 15, 2026 - Nov 15, 2026)', 1, 4900], ['Event overage (per 100k events)', 3, 450], ['Sales tax', 1, 475]], 5825));
    expect(adjustment).toBeUndefined();
    expect(rows.map((r) => [r.ChargeCategory, r.BilledCost, r.PricingQuantity, r.PricingUnit])).toEqual([
      ['Purchase', '49', '1', 'Months'],
      ['Usage', '4.5', '3', '100000 Events'],
      ['Tax', '4.75', null, null],
    ]);
    expect(rows[0]).toMatchObject({ BillingCurrency: 'USD', InvoiceId: 'SF-0042', BillingPeriodStart: '2026-10-15T00:00:00Z', ChargePeriodEnd: '2026-11-15T00:00:00Z', ListUnitPrice: '49' });
    expect(billedByInvoice(rows).get('acc_1 SF-0042')).toEqual({ currency: 'USD', total: '58.25' });
    const yen = spatialflowInvoiceRows(account, invoice([['Pro plan', 1, 4900]], 4900, 'jpy'));
    expect(yen.rows[0]).toMatchObject({ BillingCurrency: 'JPY', BilledCost: '4900' });
  });

  it('whose amount is not unit price × quantity keep that amount as BilledCost and the product as ListCost', () => {
    const sent = invoice([['Event overage (per 100k events)', 3, 450]], 450);
    sent.lines[0] = { ...sent.lines[0]!, unitAmount: fromMinor(175, 'usd') };
    const { rows } = spatialflowInvoiceRows(account, sent);
    expect(rows.map((r) => [r.BilledCost, r.EffectiveCost, r.ListUnitPrice, r.PricingQuantity, r.ListCost, r.ContractedCost])).toEqual([['4.5', '4.5', '1.75', '3', '5.25', '5.25']]);
  });

  it('that do not add up to the invoice total get an Adjustment row, so BilledCost equals the total', () => {
    const { rows, adjustment } = spatialflowInvoiceRows(account, invoice([['Unused time on Pro after Oct 20, 2026', 1, -3000], ['Remaining time on Business after Oct 20, 2026', 1, 9000]], 6100));
    expect(adjustment).toMatchObject({ ChargeCategory: 'Adjustment', BilledCost: '1', PricingQuantity: null });
    expect(rows[0]).toMatchObject({ ChargeCategory: 'Credit', ListUnitPrice: null });
    expect(billedByInvoice(rows).get('acc_1 SF-0042')?.total).toBe('61');
  });
});
