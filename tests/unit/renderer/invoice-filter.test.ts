import { describe, expect, it } from 'vitest';
import type { SpatialFlowInvoice } from '../../../contract/models/spatialflow';
import {
  applyInvoiceFilter,
  emptyInvoiceFilter,
  filterInvoices,
  invoiceMonth,
  invoiceMonths,
  invoiceStatuses,
  invoiceTotals,
  isFilterActive,
  type InvoiceFilter,
} from '../../../renderer/src/lib/invoice-filter';

function invoice(n: number, status: string, periodStart: string, due: number, currency = 'USD', paid = status === 'paid' ? due : 0): SpatialFlowInvoice {
  return {
    id: `in_1TEST${String(n).padStart(4, '0')}`,
    number: `SF-ABCD-${String(n).padStart(4, '0')}`,
    status,
    amountDue: { minor: due, currency },
    amountPaid: { minor: paid, currency },
    periodStart,
    periodEnd: periodStart,
    createdAt: periodStart,
    hasPdf: true,
    lines: [],
  };
}

const list = [
  invoice(6, 'open', '2024-06-15T10:00:00.000Z', 4900),
  invoice(5, 'paid', '2024-05-15T10:00:00.000Z', 4900),
  invoice(4, 'void', '2024-04-15T10:00:00.000Z', 4900),
  invoice(3, 'paid', '2024-03-15T10:00:00.000Z', 9000, 'EUR'),
  invoice(2, 'paid', '2024-02-01T00:00:00.000Z', 1200, 'JPY'),
  invoice(1, 'uncollectible', '2023-12-31T23:59:59.000Z', 4900),
];
const f = (over: Partial<InvoiceFilter>): InvoiceFilter => ({ ...emptyInvoiceFilter, ...over });

describe('invoice filter', () => {
  it('returns the same list when nothing is filtered', () => {
    expect(isFilterActive(emptyInvoiceFilter)).toBe(false);
    expect(filterInvoices(list, emptyInvoiceFilter)).toBe(list);
    expect(isFilterActive(f({ text: '   ' }))).toBe(false);
  });

  it('filters by status', () => {
    expect(filterInvoices(list, f({ status: 'paid' })).map((i) => i.number)).toEqual(['SF-ABCD-0005', 'SF-ABCD-0003', 'SF-ABCD-0002']);
    expect(filterInvoices(list, f({ status: 'draft' }))).toEqual([]);
  });

  it('filters by billing month, both bounds included, in UTC', () => {
    expect(invoiceMonth(list[5]!)).toBe('2023-12');
    expect(invoiceMonth({ periodStart: '2024-01-31T23:30:00-01:00' })).toBe('2024-02');
    expect(invoiceMonth({ periodStart: 'not a date' })).toBe('');
    expect(filterInvoices(list, f({ from: '2024-03', to: '2024-05' })).map((i) => i.number)).toEqual(['SF-ABCD-0005', 'SF-ABCD-0004', 'SF-ABCD-0003']);
    expect(filterInvoices(list, f({ from: '2024-06' })).map((i) => i.number)).toEqual(['SF-ABCD-0006']);
    expect(filterInvoices(list, f({ to: '2023-12' })).map((i) => i.number)).toEqual(['SF-ABCD-0001']);
    // A bound that is not a month is ignored, not an empty result.
    expect(filterInvoices(list, f({ from: '2024-13' }))).toHaveLength(list.length);
  });

  it('matches part of the number or id, in any case, and combines with the other filters', () => {
    expect(filterInvoices(list, f({ text: 'abcd-0002' })).map((i) => i.id)).toEqual(['in_1TEST0002']);
    expect(filterInvoices(list, f({ text: 'IN_1test0003' })).map((i) => i.id)).toEqual(['in_1TEST0003']);
    expect(filterInvoices(list, f({ text: 'sf-', status: 'paid', from: '2024-04' })).map((i) => i.id)).toEqual(['in_1TEST0005']);
  });

  it('totals per currency, never across currencies, leaving void and draft out of the billed total', () => {
    const totals = invoiceTotals(list);
    expect(totals.count).toBe(6);
    expect(totals.billed).toEqual([
      { minor: 4900 + 4900 + 4900, currency: 'USD' },
      { minor: 9000, currency: 'EUR' },
      { minor: 1200, currency: 'JPY' },
    ]);
    expect(totals.paid).toEqual([
      { minor: 4900, currency: 'USD' },
      { minor: 9000, currency: 'EUR' },
      { minor: 1200, currency: 'JPY' },
    ]);
    expect(totals.open).toEqual([{ minor: 4900, currency: 'USD' }]);
    expect(invoiceTotals([])).toEqual({ count: 0, billed: [], paid: [], open: [] });
  });

  it('counts what is left on a partly paid open invoice', () => {
    expect(invoiceTotals([invoice(9, 'open', '2024-01-01T00:00:00.000Z', 5000, 'USD', 1500)]).open).toEqual([{ minor: 3500, currency: 'USD' }]);
  });

  it('filters and totals in one call', () => {
    const { invoices, totals } = applyInvoiceFilter(list, f({ status: 'paid', to: '2024-03' }));
    expect(invoices.map((i) => i.number)).toEqual(['SF-ABCD-0003', 'SF-ABCD-0002']);
    expect(totals.paid).toEqual([
      { minor: 9000, currency: 'EUR' },
      { minor: 1200, currency: 'JPY' },
    ]);
  });

  it('lists the statuses (most frequent first) and months (newest first) present', () => {
    expect(invoiceStatuses(list)).toEqual(['paid', 'open', 'uncollectible', 'void']);
    expect(invoiceMonths(list)).toEqual(['2024-06', '2024-05', '2024-04', '2024-03', '2024-02', '2023-12']);
  });
});
