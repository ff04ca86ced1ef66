/**
 * Invoice filter on a 10,000-invoice SpatialFlow account: what the invoice view runs on every
 * keystroke or select change (filter plus per-currency totals). Budget: 50 ms.
 */
import type { SpatialFlowInvoice } from '../../contract/models/spatialflow';
import { applyInvoiceFilter, emptyInvoiceFilter, type InvoiceFilter } from '../../renderer/src/lib/invoice-filter';
import { report } from './report';
import { mulberry32 } from '../../main/sandbox/prng';

const COUNT = 10_000;
const RUNS = 15;
const STATUSES = ['paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'open', 'void', 'uncollectible', 'draft'] as const;
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'JPY'] as const;

/** Deterministic, so every run times the same data. */
const rng = mulberry32;

function buildInvoices(count: number, seed = 1): SpatialFlowInvoice[] {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  // Newest first, about nine hours apart: 10,000 invoices span roughly ten years.
  const newest = Date.UTC(2025, 5, 15, 10, 0, 0);
  const out: SpatialFlowInvoice[] = [];
  for (let i = 0; i < count; i++) {
    const start = newest - i * 9 * 3_600_000;
    const currency = pick(CURRENCIES);
    const status = pick(STATUSES);
    const due = currency === 'JPY' ? 500 + Math.floor(random() * 20_000) : 900 + Math.floor(random() * 50_000);
    const n = String(count - i).padStart(5, '0');
    out.push({
      id: `in_1BENCH${n}${'x'.repeat(14)}`,
      number: `SF-BNCH-${n}`,
      status,
      amountDue: { minor: due, currency },
      amountPaid: { minor: status === 'paid' ? due : 0, currency },
      periodStart: new Date(start).toISOString(),
      periodEnd: new Date(start + 30 * 86_400_000).toISOString(),
      createdAt: new Date(start + 3_600_000).toISOString(),
      hasPdf: true,
      lines: [{ description: 'Pro plan', quantity: 1, unitAmount: { minor: due, currency }, amount: { minor: due, currency } }],
    });
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export default async function invoicesBench(args: string[]): Promise<void> {
  if (args.includes('--csv')) return;
  const invoices = buildInvoices(COUNT);
  // The filters a user changes one after another; each run does all of them, then takes the slowest.
  const filters: InvoiceFilter[] = [
    { ...emptyInvoiceFilter },
    { ...emptyInvoiceFilter, status: 'paid' },
    { ...emptyInvoiceFilter, from: '2019-01', to: '2022-12' },
    { ...emptyInvoiceFilter, status: 'open', from: '2020-06' },
    { ...emptyInvoiceFilter, text: 'bnch-01' },
  ];
  let sink = 0;
  // Warm-up, so the figure is the steady state a user sees after the first keystroke.
  for (const filter of filters) sink += applyInvoiceFilter(invoices, filter).totals.count;
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let slowest = 0;
    for (const filter of filters) {
      const t0 = performance.now();
      sink += applyInvoiceFilter(invoices, filter).totals.count;
      slowest = Math.max(slowest, performance.now() - t0);
    }
    times.push(slowest);
  }
  if (sink < 0) console.log(sink);
  report('invoice filter, 10,000 invoices', Math.round(median(times) * 100) / 100, 'ms', 50);
}
