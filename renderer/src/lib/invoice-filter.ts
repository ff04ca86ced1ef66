import type { SpatialFlowInvoice } from '../../../contract/models/spatialflow';
import { sumByCurrency, type Money } from '../../../contract/money';

/**
 * Pure filtering and totals for the SpatialFlow invoice list. No Svelte and no DOM, so it is
 * unit-tested directly and timed by `npm run bench` on 10,000 invoices (budget 50 ms).
 */

export interface InvoiceFilter {
  /** An invoice status (`open`, `paid`, …), or '' for any. */
  status: string;
  /** First billing month included, `YYYY-MM`, or '' for no lower bound. */
  from: string;
  /** Last billing month included, `YYYY-MM`, or '' for no upper bound. */
  to: string;
  /** Part of the invoice number or id, any case; '' for any. */
  text: string;
}

export const emptyInvoiceFilter: Readonly<InvoiceFilter> = Object.freeze({ status: '', from: '', to: '', text: '' });

export interface InvoiceTotals {
  count: number;
  /** Amount due of every invoice that was actually billed (not draft, not void), per currency. */
  billed: Money[];
  /** Amount paid, per currency. */
  paid: Money[];
  /** Amount still due on open invoices, per currency. */
  open: Money[];
}

export interface FilteredInvoices {
  invoices: SpatialFlowInvoice[];
  totals: InvoiceTotals;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const ISO_MONTH = /^\d{4}-\d{2}/;

/** True when `text` is a `YYYY-MM` month. */
export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/**
 * The billing month of an invoice (`YYYY-MM`, UTC): the month its billing period starts in.
 * Each invoice belongs to exactly one month, so month-by-month totals never count one twice.
 */
export function invoiceMonth(invoice: Pick<SpatialFlowInvoice, 'periodStart'>): string {
  const start = invoice.periodStart;
  // The contract sends ISO strings in UTC; their first seven characters are the month.
  if (ISO_MONTH.test(start) && start.endsWith('Z')) return start.slice(0, 7);
  const d = new Date(start);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function isFilterActive(filter: InvoiceFilter): boolean {
  return filter.status !== '' || filter.from !== '' || filter.to !== '' || filter.text.trim() !== '';
}

/** The invoices that match, in the order given. An empty filter returns the same array. */
export function filterInvoices(list: readonly SpatialFlowInvoice[], filter: InvoiceFilter): SpatialFlowInvoice[] {
  if (!isFilterActive(filter)) return list as SpatialFlowInvoice[];
  const status = filter.status;
  // A bound that is not a month is ignored rather than matching nothing.
  const from = isMonth(filter.from) ? filter.from : '';
  const to = isMonth(filter.to) ? filter.to : '';
  const text = filter.text.trim().toLowerCase();
  const out: SpatialFlowInvoice[] = [];
  for (const inv of list) {
    if (status !== '' && inv.status !== status) continue;
    if (from !== '' || to !== '') {
      const month = invoiceMonth(inv);
      if (from !== '' && month < from) continue;
      if (to !== '' && month > to) continue;
    }
    if (text !== '' && !inv.number.toLowerCase().includes(text) && !inv.id.toLowerCase().includes(text)) continue;
    out.push(inv);
  }
  return out;
}

/** Totals per currency; amounts in different currencies are never added together. */
export function invoiceTotals(list: readonly SpatialFlowInvoice[]): InvoiceTotals {
  const billed: Money[] = [];
  const paid: Money[] = [];
  const open: Money[] = [];
  for (const inv of list) {
    if (inv.status !== 'draft' && inv.status !== 'void') billed.push(inv.amountDue);
    paid.push(inv.amountPaid);
    if (inv.status === 'open') open.push({ minor: inv.amountDue.minor - inv.amountPaid.minor, currency: inv.amountDue.currency });
  }
  return { count: list.length, billed: sumByCurrency(billed), paid: sumByCurrency(paid), open: sumByCurrency(open) };
}

/** Filter and totals in one pass over the caller's list: what the invoice view runs on every change. */
export function applyInvoiceFilter(list: readonly SpatialFlowInvoice[], filter: InvoiceFilter): FilteredInvoices {
  const invoices = filterInvoices(list, filter);
  return { invoices, totals: invoiceTotals(invoices) };
}

/** The statuses present in the list, most frequent first (ties by name). */
export function invoiceStatuses(list: readonly SpatialFlowInvoice[]): string[] {
  const counts = new Map<string, number>();
  for (const inv of list) counts.set(inv.status, (counts.get(inv.status) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([s]) => s);
}

/** The billing months present in the list, newest first. */
export function invoiceMonths(list: readonly SpatialFlowInvoice[]): string[] {
  const months = new Set<string>();
  for (const inv of list) {
    const m = invoiceMonth(inv);
    if (m !== '') months.add(m);
  }
  return [...months].sort().reverse();
}
