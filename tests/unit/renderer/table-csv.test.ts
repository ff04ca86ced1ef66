import { describe, expect, it } from 'vitest';
import type { AgilicusBillingAccount, AgilicusUsageRecord } from '../../../contract/models/agilicus';
import type { ReviewTotal } from '../../../contract/models/review';
import type { SoracomDailyBill, SoracomMonthlyBill } from '../../../contract/models/soracom';
import type { SpatialFlowInvoice } from '../../../contract/models/spatialflow';
import { amountCell, buildTable, isoDay, isoMonth } from '../../../renderer/src/lib/table-csv';
import { billingAccountsTable, usageTable } from '../../../renderer/src/views/agilicus/export-rows';
import { totalsTable } from '../../../renderer/src/views/review/export-rows';
import { dailyTable, historyTable } from '../../../renderer/src/views/soracom/export-rows';
import { invoicesTable } from '../../../renderer/src/views/spatialflow/export-rows';

describe('table cells', () => {
  it('writes amounts as exact decimal strings in major units', () => {
    expect(amountCell({ minor: 123450, currency: 'USD' })).toBe('1234.50');
    expect(amountCell({ minor: -5, currency: 'EUR' })).toBe('-0.05');
    expect(amountCell({ minor: 1200, currency: 'JPY' })).toBe('1200');
    expect(amountCell({ minor: 1, currency: 'BHD' })).toBe('0.001');
    expect(amountCell(null)).toBe('');
    expect(amountCell(undefined)).toBe('');
  });

  it('writes dates as ISO days (UTC) and months as YYYY-MM', () => {
    expect(isoDay('2024-05-31T23:59:59.000Z')).toBe('2024-05-31');
    expect(isoDay('2024-05-03')).toBe('2024-05-03');
    // An offset is read as the instant it names, then written in UTC.
    expect(isoDay('2024-06-01T01:00:00+02:00')).toBe('2024-05-31');
    expect(isoDay(null)).toBe('');
    expect(isoDay('not a date')).toBe('not a date');
    expect(isoMonth('202405')).toBe('2024-05');
    expect(isoMonth('2024-05')).toBe('2024-05');
  });

  it('builds one cell per column, rows in the order given', () => {
    const table = buildTable('T', [{ header: 'a', cell: (n: number) => n }, { header: 'b', cell: (n: number) => String(n * 2) }], [1, 2]);
    expect(table).toEqual({ title: 'T', columns: ['a', 'b'], rows: [[1, '2'], [2, '4']] });
    expect(buildTable('Empty', [{ header: 'a', cell: (n: number) => n }], []).rows).toEqual([]);
  });
});

const invoice = (over: Partial<SpatialFlowInvoice>): SpatialFlowInvoice => ({
  id: 'in_1',
  number: 'SF-0001',
  status: 'paid',
  amountDue: { minor: 4900, currency: 'USD' },
  amountPaid: { minor: 4900, currency: 'USD' },
  periodStart: '2024-05-01T00:00:00.000Z',
  periodEnd: '2024-06-01T00:00:00.000Z',
  createdAt: '2024-05-01T00:00:00.000Z',
  hasPdf: true,
  lines: [],
  ...over,
});

describe('SpatialFlow invoices table', () => {
  it('has number, status, period, amounts and currency', () => {
    const table = invoicesTable([invoice({}), invoice({ id: 'in_2', number: 'SF-0002', status: 'open', amountDue: { minor: 120000, currency: 'EUR' }, amountPaid: { minor: 0, currency: 'EUR' } })]);
    expect(table.title).toBe('SpatialFlow invoices');
    expect(table.columns).toEqual(['Number', 'Status', 'Period start', 'Period end', 'Amount due', 'Amount paid', 'Currency']);
    expect(table.rows).toEqual([
      ['SF-0001', 'Paid', '2024-05-01', '2024-06-01', '49.00', '49.00', 'USD'],
      ['SF-0002', 'Open', '2024-05-01', '2024-06-01', '1200.00', '0.00', 'EUR'],
    ]);
  });

  it('keeps an unknown status readable', () => {
    expect(invoicesTable([invoice({ status: 'partially_paid' })]).rows[0]?.[1]).toBe('partially paid');
  });
});

describe('Soracom tables', () => {
  const bills: SoracomMonthlyBill[] = [
    { yearMonth: '202406', amount: { minor: 1234, currency: 'JPY' }, state: 'temporary' },
    { yearMonth: '202405', amount: { minor: 5678, currency: 'JPY' }, appliedCouponAmount: { minor: 100, currency: 'JPY' }, state: 'closed', paymentStatus: 'paid' },
    { yearMonth: '202404', amount: { minor: 250, currency: 'USD' }, appliedCouponAmount: { minor: 0, currency: 'USD' }, state: 'closed', paymentStatus: 'someNewStatus' },
  ];

  it('writes the history newest first, with the currency in its own column', () => {
    const table = historyTable(bills);
    expect(table.columns).toEqual(['Month', 'Amount', 'Currency', 'Coupon applied', 'State', 'Payment']);
    expect(table.rows).toEqual([
      ['2024-06', '1234', 'JPY', '', 'Preliminary', 'Not billed yet'],
      ['2024-05', '5678', 'JPY', '100', 'Closed', 'Paid'],
      ['2024-04', '2.50', 'USD', '', 'Closed', 'someNewStatus'],
    ]);
  });

  it('leaves the amount and currency of a bill without an amount empty, not 0', () => {
    expect(historyTable([{ yearMonth: '202405', amount: null, state: 'closed' }]).rows[0]?.slice(0, 3)).toEqual(['2024-05', '', '']);
  });

  it('names a coupon in another currency instead of mixing it in', () => {
    const table = historyTable([{ yearMonth: '202405', amount: { minor: 5678, currency: 'JPY' }, appliedCouponAmount: { minor: 150, currency: 'USD' }, state: 'closed' }]);
    expect(table.rows[0]?.[3]).toBe('1.50 USD');
  });

  it('writes a month of daily bills with ISO dates', () => {
    const days: SoracomDailyBill[] = [
      { date: '2024-05-02', amount: { minor: 12, currency: 'JPY' } },
      { date: '2024-05-01', amount: { minor: 7, currency: 'JPY' } },
    ];
    const table = dailyTable('202405', days);
    expect(table.title).toBe('Soracom daily bills 2024-05');
    expect(table.columns).toEqual(['Date', 'Amount', 'Currency']);
    expect(table.rows).toEqual([
      ['2024-05-02', '12', 'JPY'],
      ['2024-05-01', '7', 'JPY'],
    ]);
  });
});

describe('Agilicus tables', () => {
  it('writes usage records with their day, timestamp and quantity as a number', () => {
    const records: AgilicusUsageRecord[] = [
      { quantity: 12, timestamp: '2024-05-02T10:00:00.000Z', date: '2024-05-02' },
      { quantity: null, timestamp: null, date: null },
    ];
    const table = usageTable('Northwind', records);
    expect(table.title).toBe('Agilicus usage Northwind');
    expect(table.columns).toEqual(['Day (UTC)', 'Timestamp', 'Quantity']);
    expect(table.rows).toEqual([
      ['2024-05-02', '2024-05-02T10:00:00.000Z', 12],
      ['', '', null],
    ]);
    expect(usageTable('x'.repeat(300), []).title).toHaveLength(120);
  });

  const account: AgilicusBillingAccount = {
    id: 'ba1',
    customerId: 'cus_1',
    devMode: true,
    created: '2024-01-15T08:00:00.000Z',
    updated: null,
    orgs: [
      { id: 'o1', name: 'Alpha', subdomain: null, slug: null, adminState: null, currentState: null, allUp: null, billingAccountId: 'ba1' },
      { id: 'o2', name: 'Beta', subdomain: null, slug: null, adminState: null, currentState: null, allUp: null, billingAccountId: 'ba1' },
    ],
    products: ['p1'],
    customer: { name: 'Northwind', email: 'billing@northwind.example' },
    subscriptions: [{ id: 's1', status: 'trialing', planName: 'Standard', unitPrice: null, interval: null, quantity: null, currentPeriodEnd: null, cancelAtPeriodEnd: false }],
  };

  it('writes the billing accounts with the columns the list shows', () => {
    const all = billingAccountsTable([account], { customer: true, subscriptions: true });
    expect(all.columns).toEqual(['Billing account id', 'Customer id', 'Customer', 'Email', 'Organisations', 'Products', 'Subscription', 'Mode', 'Created']);
    expect(all.rows).toEqual([['ba1', 'cus_1', 'Northwind', 'billing@northwind.example', 'Alpha; Beta', 'p1', 'trialing Standard', 'Dev mode', '2024-01-15']]);

    const plain = billingAccountsTable([{ ...account, devMode: false, created: null, customer: null, subscriptions: null }], { customer: false, subscriptions: false });
    expect(plain.columns).toEqual(['Billing account id', 'Customer id', 'Organisations', 'Products', 'Mode', 'Created']);
    expect(plain.rows).toEqual([['ba1', 'cus_1', 'Alpha; Beta', 'p1', 'Live', '']]);
  });
});

describe('review totals table', () => {
  const totals: ReviewTotal[] = [
    { key: '20240502', amount: '12.345', rows: 3 },
    { key: '', amount: '-1', rows: 1 },
  ];

  it('writes keys as shown, exact amounts and the currency; the rest last', () => {
    const table = totalsTable({
      caption: 'Totals by day',
      keyLabel: 'Day',
      totals,
      currency: 'JPY',
      emptyKey: '(none)',
      formatKey: (k) => `${k.slice(0, 4)}-${k.slice(4, 6)}-${k.slice(6)}`,
      others: { values: 4, amount: '99.5', rows: 10 },
    });
    expect(table).toEqual({
      title: 'Totals by day',
      columns: ['Day', 'Rows', 'Amount', 'Currency'],
      rows: [
        ['2024-05-02', 3, '12.345', 'JPY'],
        ['(none)', 1, '-1', 'JPY'],
        ['4 more', 10, '99.5', 'JPY'],
      ],
    });
  });

  it('keeps keys as they are without a formatter', () => {
    expect(totalsTable({ caption: 'Totals by bill item', keyLabel: 'Bill item', totals: [{ key: 'Data', amount: '1', rows: 1 }], currency: 'JPY', emptyKey: '(no name)' }).rows).toEqual([['Data', 1, '1', 'JPY']]);
  });
});
