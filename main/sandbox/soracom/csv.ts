/*
 * Detailed-billing CSV of the Soracom sandbox, in the published format: UTF-8 with BOM, CRLF,
 * `imsi,date,billItemName,unitPrice,quantity,amount` then one column per SIM tag and the group
 * column. The group column's header text is not documented; the sandbox calls it `group`.
 *
 * Rows come from a generator seeded per (seed, month, day), so the month's daily totals and the
 * CSV are computed from the same rows and always agree: the sum of the rows dated yyyyMMdd is that
 * day's bill, the rows dated yyyyMM (monthly fees, free tier, discounts) are what the daily
 * endpoint leaves out, and all rows together make the month's bill.
 */
import { createPrng, deriveSeed } from '../prng';

export type SandboxCurrency = 'JPY' | 'USD' | 'EUR';

export interface DetailedCsvOptions {
  /** Default 1. */
  seed?: number;
  /** The month, yyyyMM. */
  yyyyMM: string;
  /** Default JPY (Japan coverage). */
  currency?: SandboxCurrency;
  /** SIMs in the fleet; default 12. */
  sims?: number;
  /** Grows the fleet until the file has at least this many data rows. */
  minRows?: number;
  /** First day of the month with usage; default 1. */
  fromDay?: number;
  /** Last day of the month with usage; default the month's last day. */
  throughDay?: number;
}

export interface BillingRow {
  /** Empty for rows not tied to a SIM (free tier, monthly options, discounts). */
  imsi: string;
  /** yyyyMMdd, or yyyyMM for monthly rows. */
  date: string;
  billItemName: string;
  unitPrice: string;
  quantity: number;
  /** In the currency's minor units (yen, cents). */
  amountMinor: number;
  tagName: string;
  tagLocation: string;
  group: string;
}

export interface MonthUsage {
  currency: SandboxCurrency;
  sims: number;
  /** Data rows in the CSV, header excluded. */
  rows: number;
  totalMinor: number;
  /** Rows dated yyyyMM: what the daily endpoint leaves out. */
  monthlyMinor: number;
  /** Oldest first; one entry per day with usage. */
  daily: { date: string; minor: number }[];
}

export const detailedCsvColumns = [
  'imsi',
  'date',
  'billItemName',
  'unitPrice',
  'quantity',
  'amount',
  'tag:name',
  'tag:location',
  'group',
] as const;

export const currencyDigits: Record<SandboxCurrency, number> = { JPY: 0, USD: 2, EUR: 2 };

interface PriceItem {
  name: string;
  /** As printed in the unitPrice column (major units). */
  unitPrice: string;
  /** The same price in minor units, for computing amounts. */
  minorPerUnit: number;
}

interface PriceList {
  imsiPrefix: string;
  basic: PriceItem;
  upload: PriceItem;
  download: PriceItem;
  sms: PriceItem;
  freeTierName: string;
  freeTierBytes: number;
  volumeDiscountName: string;
  monthlyOptions: PriceItem[];
  locations: readonly string[];
}

const dataPerByte = (currency: SandboxCurrency): { unitPrice: string; minorPerUnit: number } =>
  currency === 'JPY'
    ? { unitPrice: '0.0000002', minorPerUnit: 0.0000002 }
    : { unitPrice: '0.000000002', minorPerUnit: 0.0000002 };

function priceList(currency: SandboxCurrency): PriceList {
  const data = dataPerByte(currency);
  if (currency === 'JPY') {
    return {
      imsiPrefix: '440103',
      basic: { name: 'Basic fee (plan-D, s1.standard)', unitPrice: '10', minorPerUnit: 10 },
      upload: { name: 'Data fee (plan-D, upload)', ...data },
      download: { name: 'Data fee (plan-D, download)', ...data },
      sms: { name: 'SMS fee (MO)', unitPrice: '3', minorPerUnit: 3 },
      freeTierName: 'Free tier (data, 1 GB/month)',
      freeTierBytes: 1_000_000_000,
      volumeDiscountName: 'Volume discount (basic fee, 5%)',
      monthlyOptions: [
        { name: 'SORACOM Napter audit log option (monthly)', unitPrice: '1000', minorPerUnit: 1000 },
        { name: 'SORACOM Harvest Data storage extension (monthly)', unitPrice: '500', minorPerUnit: 500 },
      ],
      locations: ['Tokyo, Minato-ku', 'Osaka, Kita-ku', 'Fukuoka', 'Sapporo', 'Nagoya', '東京都, 港区', 'Yokohama "Minato Mirai"'],
    };
  }
  const usd = currency === 'USD';
  return {
    imsiPrefix: '295050',
    basic: usd
      ? { name: 'Basic fee (plan01s)', unitPrice: '0.06', minorPerUnit: 6 }
      : { name: 'Basic fee (plan01s)', unitPrice: '0.05', minorPerUnit: 5 },
    upload: { name: 'Data fee (plan01s, upload)', ...data },
    download: { name: 'Data fee (plan01s, download)', ...data },
    sms: usd ? { name: 'SMS fee (MO)', unitPrice: '0.06', minorPerUnit: 6 } : { name: 'SMS fee (MO)', unitPrice: '0.05', minorPerUnit: 5 },
    freeTierName: 'Free tier (data, 1 GB/month)',
    freeTierBytes: 1_000_000_000,
    volumeDiscountName: 'Volume discount (basic fee, 5%)',
    monthlyOptions: usd
      ? [
          { name: 'SORACOM Napter audit log option (monthly)', unitPrice: '10.00', minorPerUnit: 1000 },
          { name: 'SORACOM Harvest Data storage extension (monthly)', unitPrice: '5.00', minorPerUnit: 500 },
        ]
      : [
          { name: 'SORACOM Napter audit log option (monthly)', unitPrice: '9.00', minorPerUnit: 900 },
          { name: 'SORACOM Harvest Data storage extension (monthly)', unitPrice: '4.50', minorPerUnit: 450 },
        ],
    locations: usd
      ? ['Seattle, WA', 'Austin, TX', 'Chicago, IL', 'Denver', 'Boston, MA', 'Portland "Pearl District"']
      : ['Berlin', 'Paris', 'Milano', 'Amsterdam', 'Lyon, Rhône', 'München "Werk 2"'],
  };
}

const simKinds = ['Gateway', 'Vending machine', 'Cold storage', 'Water meter', 'Tracker', 'Camera'] as const;
const simGroups = ['Cold chain', 'Vending machines, Kanto', 'Field test "phase 2"', 'Smart meters', ''] as const;

interface Sim {
  imsi: string;
  tagName: string;
  tagLocation: string;
  group: string;
  meanUpBytes: number;
  meanDownBytes: number;
  smsRate: number;
}

/** A SIM's identity and usage profile depend on the seed and its index only, so SIM #3 is the same every month. */
function simAt(seed: number, index: number, prices: PriceList): Sim {
  const r = createPrng(deriveSeed(seed, 'sim', index));
  const base = 100_000_000 + (deriveSeed(seed, 'imsi') % 300_000_000);
  const serial = String((base + index * 7919) % 1_000_000_000).padStart(9, '0');
  const kind = r.pick(simKinds);
  const tagName =
    index % 13 === 5 ? `${kind} "Annex", Bldg ${index % 7}` : `${kind} ${String(index + 1).padStart(4, '0')}`;
  return {
    imsi: prices.imsiPrefix + serial,
    tagName,
    tagLocation: r.pick(prices.locations),
    group: r.pick(simGroups),
    meanUpBytes: r.int(200_000, 30_000_000),
    meanDownBytes: r.int(50_000, 8_000_000),
    smsRate: r.next() < 0.25 ? 0.1 : 0.01,
  };
}

function daysInMonth(yyyyMM: string): number {
  const y = Number(yyyyMM.slice(0, 4));
  const m = Number(yyyyMM.slice(4, 6));
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

interface ResolvedPlan {
  seed: number;
  yyyyMM: string;
  currency: SandboxCurrency;
  prices: PriceList;
  fromDay: number;
  throughDay: number;
  sims: Sim[];
}

function resolvePlan(opts: DetailedCsvOptions): ResolvedPlan {
  if (!/^\d{4}(0[1-9]|1[0-2])$/.test(opts.yyyyMM)) throw new RangeError(`Not a yyyyMM month: ${opts.yyyyMM}`);
  const seed = opts.seed ?? 1;
  const currency = opts.currency ?? 'JPY';
  const prices = priceList(currency);
  const last = daysInMonth(opts.yyyyMM);
  const fromDay = Math.max(1, Math.min(last, opts.fromDay ?? 1));
  const throughDay = Math.max(fromDay, Math.min(last, opts.throughDay ?? last));
  const activeDays = throughDay - fromDay + 1;
  let count = Math.max(1, opts.sims ?? 12);
  // Every SIM-day yields at least three rows (basic fee, upload, download).
  if (opts.minRows !== undefined) count = Math.max(count, Math.ceil(opts.minRows / (3 * activeDays)));
  const sims: Sim[] = [];
  for (let i = 0; i < count; i++) sims.push(simAt(seed, i, prices));
  return { seed, yyyyMM: opts.yyyyMM, currency, prices, fromDay, throughDay, sims };
}

function simRow(sim: Sim, date: string, item: PriceItem, quantity: number, amountMinor: number): BillingRow {
  return {
    imsi: sim.imsi,
    date,
    billItemName: item.name,
    unitPrice: item.unitPrice,
    quantity,
    amountMinor,
    tagName: sim.tagName,
    tagLocation: sim.tagLocation,
    group: sim.group,
  };
}

function accountRow(date: string, billItemName: string, unitPrice: string, quantity: number, amountMinor: number): BillingRow {
  return { imsi: '', date, billItemName, unitPrice, quantity, amountMinor, tagName: '', tagLocation: '', group: '' };
}

function* planRows(plan: ResolvedPlan): Generator<BillingRow> {
  const { prices } = plan;
  let dataBytes = 0;
  let basicMinor = 0;
  for (let day = plan.fromDay; day <= plan.throughDay; day++) {
    const date = plan.yyyyMM + String(day).padStart(2, '0');
    const r = createPrng(deriveSeed(plan.seed, plan.yyyyMM, day));
    for (const sim of plan.sims) {
      const up = Math.round(sim.meanUpBytes * (0.3 + 1.4 * r.next()));
      const down = Math.round(sim.meanDownBytes * (0.3 + 1.4 * r.next()));
      const smsDraw = r.next();
      const smsCount = r.int(1, 3);
      dataBytes += up + down;
      basicMinor += prices.basic.minorPerUnit;
      yield simRow(sim, date, prices.basic, 1, prices.basic.minorPerUnit);
      yield simRow(sim, date, prices.upload, up, Math.round(up * prices.upload.minorPerUnit));
      yield simRow(sim, date, prices.download, down, Math.round(down * prices.download.minorPerUnit));
      if (smsDraw < sim.smsRate) yield simRow(sim, date, prices.sms, smsCount, smsCount * prices.sms.minorPerUnit);
    }
  }
  const month = plan.yyyyMM;
  const digits = currencyDigits[plan.currency];
  const freeBytes = Math.min(dataBytes, prices.freeTierBytes);
  if (freeBytes > 0) {
    yield accountRow(month, prices.freeTierName, `-${prices.upload.unitPrice}`, freeBytes, -Math.round(freeBytes * prices.upload.minorPerUnit));
  }
  if (plan.sims.length >= 20) {
    const discount = Math.round(basicMinor * 0.05);
    if (discount > 0) yield accountRow(month, prices.volumeDiscountName, formatMinor(-discount, digits), 1, -discount);
  }
  if (plan.sims.length >= 3) {
    for (const option of prices.monthlyOptions) yield accountRow(month, option.name, option.unitPrice, 1, option.minorPerUnit);
  }
}

/** Every row of the month's detailed-billing CSV, daily rows first, then the rows dated yyyyMM. */
export function billingRows(opts: DetailedCsvOptions): Generator<BillingRow> {
  return planRows(resolvePlan(opts));
}

/** The month's totals, computed from the same rows as the CSV. */
export function summarizeMonth(opts: DetailedCsvOptions): MonthUsage {
  const plan = resolvePlan(opts);
  const byDay = new Map<string, number>();
  let rows = 0;
  let totalMinor = 0;
  let monthlyMinor = 0;
  for (const row of planRows(plan)) {
    rows += 1;
    totalMinor += row.amountMinor;
    if (row.date.length === 8) byDay.set(row.date, (byDay.get(row.date) ?? 0) + row.amountMinor);
    else monthlyMinor += row.amountMinor;
  }
  return {
    currency: plan.currency,
    sims: plan.sims.length,
    rows,
    totalMinor,
    monthlyMinor,
    daily: [...byDay].map(([date, minor]) => ({ date, minor })),
  };
}

/** Exact decimal text of an amount in minor units: (-5, 2) -> "-0.05". */
export function formatMinor(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor));
  if (digits === 0) return sign + abs;
  const padded = abs.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const BOM = '\uFEFF';
const CRLF = '\r\n';

/** The CSV in pieces of about `rowsPerChunk` rows; the first piece starts with the BOM and the header. */
export function* detailedCsvChunks(opts: DetailedCsvOptions, rowsPerChunk = 2000): Generator<string> {
  const plan = resolvePlan(opts);
  const digits = currencyDigits[plan.currency];
  const tagCells = new Map<string, string>();
  let chunk = BOM + detailedCsvColumns.join(',') + CRLF;
  let inChunk = 0;
  for (const row of planRows(plan)) {
    let tags = tagCells.get(row.imsi);
    if (tags === undefined) {
      tags = `${csvField(row.tagName)},${csvField(row.tagLocation)},${csvField(row.group)}`;
      tagCells.set(row.imsi, tags);
    }
    chunk += `${row.imsi},${row.date},${csvField(row.billItemName)},${row.unitPrice},${row.quantity},${formatMinor(row.amountMinor, digits)},${tags}${CRLF}`;
    if (++inChunk >= rowsPerChunk) {
      yield chunk;
      chunk = '';
      inChunk = 0;
    }
  }
  if (chunk !== '') yield chunk;
}

/** The whole CSV as one string (deterministic for the same options). */
export function generateDetailedCsv(opts: DetailedCsvOptions): string {
  let out = '';
  for (const chunk of detailedCsvChunks(opts)) out += chunk;
  return out;
}
