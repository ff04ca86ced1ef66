import { minorDigits } from '../../contract/money';
import { preliminaryBill, type SoracomMonthlyBill } from '../../contract/models/soracom';
import type { SpatialFlowInvoice } from '../../contract/models/spatialflow';
import { fromScaled, minorToScaled, SCALE, toScaled } from './decimal';
import { monthStartMs, utcDayMs } from './period';
import type { SoracomCsv, SoracomCsvRow } from './soracom-csv';

/**
 * FOCUS 1.2 cost rows (FinOps Open Cost and Usage Specification) from what Billfold keeps:
 * Soracom detailed-billing CSVs, SpatialFlow invoice line items. Agilicus usage records carry no
 * price, so they are never cost rows (export.ts writes them to a usage file of their own). The
 * README's FOCUS section lists the rules; tests/unit/archive/focus.test.ts checks each one.
 */

export const chargeCategories = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;
export type ChargeCategory = (typeof chargeCategories)[number];
export type ChargeFrequency = 'One-Time' | 'Recurring' | 'Usage-Based';

export interface FocusRow {
  BillingAccountId: string;
  BillingAccountName: string;
  BillingCurrency: string;
  BillingPeriodStart: string;
  BillingPeriodEnd: string;
  ChargePeriodStart: string;
  ChargePeriodEnd: string;
  ChargeCategory: ChargeCategory;
  ChargeClass: 'Correction' | null;
  ChargeDescription: string;
  ChargeFrequency: ChargeFrequency;
  /** Decimal strings in the billing currency. */
  BilledCost: string;
  ContractedCost: string;
  EffectiveCost: string;
  ListCost: string;
  ListUnitPrice: string | null;
  PricingQuantity: string | null;
  PricingUnit: string | null;
  ConsumedQuantity: string | null;
  ConsumedUnit: string | null;
  InvoiceId: string;
  InvoiceIssuerName: string;
  ProviderName: string;
  PublisherName: string;
  /** FOCUS 1.3 names of ProviderName and PublisherName; writing both keeps the file valid for 1.2 and 1.3. */
  ServiceProviderName: string;
  HostProviderName: string;
  ServiceCategory: string;
  ServiceSubcategory: string;
  ServiceName: string;
  ResourceId: string | null;
  ResourceName: string | null;
  Tags: Record<string, string | true> | null;
  /** Billfold's own columns. */
  x_BillfoldAccountId: string;
  x_SourceDocument: string;
  x_SourceLine: number | null;
}

export type FocusColumnType = 'string' | 'decimal' | 'timestamp' | 'json' | 'int';

/** Every column written, in order, with its type. The 21 Mandatory columns of 1.2 are all here. */
export const focusColumns: readonly { name: keyof FocusRow; type: FocusColumnType; nullable: boolean }[] = [
  { name: 'BillingAccountId', type: 'string', nullable: false },
  { name: 'BillingAccountName', type: 'string', nullable: false },
  { name: 'BillingCurrency', type: 'string', nullable: false },
  { name: 'BillingPeriodStart', type: 'timestamp', nullable: false },
  { name: 'BillingPeriodEnd', type: 'timestamp', nullable: false },
  { name: 'ChargePeriodStart', type: 'timestamp', nullable: false },
  { name: 'ChargePeriodEnd', type: 'timestamp', nullable: false },
  { name: 'ChargeCategory', type: 'string', nullable: false },
  { name: 'ChargeClass', type: 'string', nullable: true },
  { name: 'ChargeDescription', type: 'string', nullable: false },
  { name: 'ChargeFrequency', type: 'string', nullable: false },
  { name: 'BilledCost', type: 'decimal', nullable: false },
  { name: 'ContractedCost', type: 'decimal', nullable: false },
  { name: 'EffectiveCost', type: 'decimal', nullable: false },
  { name: 'ListCost', type: 'decimal', nullable: false },
  { name: 'ListUnitPrice', type: 'decimal', nullable: true },
  { name: 'PricingQuantity', type: 'decimal', nullable: true },
  { name: 'PricingUnit', type: 'string', nullable: true },
  { name: 'ConsumedQuantity', type: 'decimal', nullable: true },
  { name: 'ConsumedUnit', type: 'string', nullable: true },
  { name: 'InvoiceId', type: 'string', nullable: false },
  { name: 'InvoiceIssuerName', type: 'string', nullable: false },
  { name: 'ProviderName', type: 'string', nullable: false },
  { name: 'PublisherName', type: 'string', nullable: false },
  { name: 'ServiceProviderName', type: 'string', nullable: false },
  { name: 'HostProviderName', type: 'string', nullable: false },
  { name: 'ServiceCategory', type: 'string', nullable: false },
  { name: 'ServiceSubcategory', type: 'string', nullable: false },
  { name: 'ServiceName', type: 'string', nullable: false },
  { name: 'ResourceId', type: 'string', nullable: true },
  { name: 'ResourceName', type: 'string', nullable: true },
  { name: 'Tags', type: 'json', nullable: true },
  { name: 'x_BillfoldAccountId', type: 'string', nullable: false },
  { name: 'x_SourceDocument', type: 'string', nullable: false },
  { name: 'x_SourceLine', type: 'int', nullable: true },
];

export const mandatoryColumns = [
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost',
  'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName',
  'ServiceCategory', 'ServiceName',
] as const;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const DAY = 86_400_000;

/** The account a row belongs to, as Billfold knows it. */
export interface FocusAccount {
  id: string;
  name: string;
}

type Costs = Pick<FocusRow, 'BilledCost' | 'ContractedCost' | 'EffectiveCost' | 'ListCost' | 'ListUnitPrice' | 'PricingQuantity'>;

/**
 * The cost columns of a row. BilledCost and EffectiveCost are the amount the provider billed, as
 * it rounded it. FOCUS 1.2 requires ListCost to be exactly ListUnitPrice × PricingQuantity when
 * both are given (so 4,791,902 B at 0.0000002 is a ListCost of 0.9583804 although 1 was billed),
 * and to equal BilledCost when there is no unit price. Providers quote no negotiated prices, so
 * ContractedCost is the ListCost, as FOCUS defaults it.
 *
 * Tax rows have no unit price (1.2 requires it null, as PricingQuantity) but must have a ListCost:
 * 1.2 allows no null. It should follow the ListCost of the charges taxed, but neither the rate nor
 * which charges it applies to is known, so it is the tax billed, as for the other rows without one.
 */
function costs(amount: bigint, unitPrice: bigint | null = null, quantity: bigint | null = null): Costs {
  const billed = fromScaled(amount);
  const product = unitPrice === null || quantity === null ? null : unitPrice * quantity;
  // A product with more decimal places than the file keeps (DECIMAL(38,12)) could not be written
  // exactly; that row goes without a list price rather than with a ListCost that does not match.
  const exact = product !== null && product % 10n ** BigInt(SCALE) === 0n ? product / 10n ** BigInt(SCALE) : null;
  if (exact === null) {
    return { BilledCost: billed, ContractedCost: billed, EffectiveCost: billed, ListCost: billed, ListUnitPrice: null, PricingQuantity: quantity === null ? null : fromScaled(quantity) };
  }
  const list = fromScaled(exact);
  return { BilledCost: billed, ContractedCost: list, EffectiveCost: billed, ListCost: list, ListUnitPrice: fromScaled(unitPrice as bigint), PricingQuantity: fromScaled(quantity as bigint) };
}

// ------------------------------------------------------------------ Soracom

interface SoracomKind {
  category: ChargeCategory;
  frequency: ChargeFrequency;
  unit: string;
  serviceName: string;
  serviceCategory: string;
  serviceSubcategory: string;
}

/** How a Soracom bill item is classified; exported for the unit tests. */
export function classifySoracomItem(billItemName: string, monthly: boolean, amount: bigint): SoracomKind {
  const name = billItemName.toLowerCase();
  const platform = /^soracom\s+(\w+)/i.exec(billItemName);
  const service = platform
    ? { serviceName: `SORACOM ${platform[1] as string}`, serviceCategory: 'Internet of Things', serviceSubcategory: 'IoT Platforms' }
    : { serviceName: 'SORACOM Air', serviceCategory: 'Networking', serviceSubcategory: 'Network Connectivity' };
  const data = /\bdata (fee|traffic|usage)|upload|download|traffic|packet|free tier \(data/.test(name);
  const unit = data ? 'B' : /\bsms\b/.test(name) ? 'Messages' : /request|api call/.test(name) ? 'Requests' : /basic fee|daily/.test(name) && !monthly ? 'Days' : monthly ? 'Months' : 'Count';
  if (amount < 0n || /free tier|discount|coupon|credit/.test(name)) {
    return { category: 'Credit', frequency: monthly ? 'Recurring' : 'One-Time', unit, ...service };
  }
  // Rows dated with the month only are monthly fees (options, extensions), whatever their name says.
  if (monthly) return { category: 'Purchase', frequency: 'Recurring', unit: 'Months', ...service };
  if (data || unit === 'Messages' || unit === 'Requests') return { category: 'Usage', frequency: 'Usage-Based', unit, ...service };
  if (unit === 'Days' || unit === 'Months') return { category: 'Purchase', frequency: 'Recurring', unit, ...service };
  return { category: 'Purchase', frequency: 'One-Time', unit, ...service };
}

export interface SoracomMonthInput {
  account: FocusAccount;
  /** yyyyMM of the export. */
  yyyyMM: string;
  /** The month's bill as last synced, when there is one. */
  bill: SoracomMonthlyBill | undefined;
  /** Used when there is no bill: the account's coverage currency. */
  fallbackCurrency: string;
  /** The file the rows come from (its name in the library). */
  sourceDocument: string;
  csv: SoracomCsv;
}

export interface MonthBalance {
  /** CSV rows total and the bill, in minor units of the bill's currency. */
  csvTotal: bigint;
  billTotal: bigint | undefined;
  /** Rows added so BilledCost adds up to the bill (coupon credit, tax or adjustment). */
  added: FocusRow[];
  /** Why nothing was added although the totals differ (no bill, or a bill not final yet). */
  note?: string;
}

export function soracomMonthRows(input: SoracomMonthInput): { rows: FocusRow[]; balance: MonthBalance } {
  const { account, yyyyMM } = input;
  const currency = input.bill?.amount?.currency ?? input.fallbackCurrency;
  const year = Number(yyyyMM.slice(0, 4));
  const month = Number(yyyyMM.slice(4, 6));
  const monthStart = iso(monthStartMs(year, month));
  const monthEnd = iso(monthStartMs(year, month + 1));
  const base = {
    BillingAccountId: account.id,
    BillingAccountName: account.name,
    BillingCurrency: currency,
    BillingPeriodStart: monthStart,
    BillingPeriodEnd: monthEnd,
    ChargeClass: null,
    InvoiceId: yyyyMM,
    InvoiceIssuerName: 'Soracom',
    ProviderName: 'Soracom',
    PublisherName: 'Soracom',
    ServiceProviderName: 'Soracom',
    HostProviderName: 'Soracom',
    x_BillfoldAccountId: account.id,
    x_SourceDocument: input.sourceDocument,
  } as const;
  const rows: FocusRow[] = input.csv.rows.map((r: SoracomCsvRow) => {
    const monthly = r.date.length === 6;
    const amount = toScaled(r.amount);
    const kind = classifySoracomItem(r.billItemName, monthly, amount);
    const dayStart = monthly ? monthStartMs(year, month) : utcDayMs(Number(r.date.slice(0, 4)), Number(r.date.slice(4, 6)), Number(r.date.slice(6, 8)));
    const chargeEnd = monthly ? monthStartMs(year, month + 1) : dayStart + DAY;
    const quantity = r.quantity === '' ? null : toScaled(r.quantity);
    const unitPrice = r.unitPrice === '' ? null : toScaled(r.unitPrice);
    // A list price is never negative, and a credit's price is no list price (the free tier's
    // negative unit price is a credit): such rows carry no ListUnitPrice, and ListCost = BilledCost.
    const listPrice = unitPrice === null || unitPrice < 0n || kind.category === 'Credit' ? null : unitPrice;
    const cost = costs(amount, listPrice, quantity);
    const tags: Record<string, string> = { ...r.tags };
    if (r.group !== '') tags['soracom/group'] = r.group;
    return {
      ...base,
      ChargePeriodStart: iso(dayStart),
      ChargePeriodEnd: iso(chargeEnd),
      ChargeCategory: kind.category,
      ChargeDescription: r.billItemName,
      ChargeFrequency: kind.frequency,
      ...cost,
      PricingUnit: quantity === null ? null : kind.unit,
      ConsumedQuantity: kind.category === 'Usage' ? cost.PricingQuantity : null,
      ConsumedUnit: kind.category === 'Usage' && quantity !== null ? kind.unit : null,
      ServiceCategory: kind.serviceCategory,
      ServiceSubcategory: kind.serviceSubcategory,
      ServiceName: kind.serviceName,
      ResourceId: r.resourceId === '' ? null : r.resourceId,
      ResourceName: r.tags['name'] ?? null,
      Tags: Object.keys(tags).length === 0 ? null : tags,
      x_SourceLine: r.line,
    };
  });

  const digits = minorDigits(currency);
  const csvTotal = input.csv.total;
  const balance: MonthBalance = { csvTotal, billTotal: undefined, added: [] };
  const bill = input.bill;
  if (!bill) {
    balance.note = `No ${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)} bill has been synced, so the rows are not checked against it (currency ${currency} assumed).`;
    return { rows, balance };
  }
  if (bill.amount === null) {
    balance.note = `The ${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)} bill came without an amount, so the rows are not checked against it.`;
    return { rows, balance };
  }
  const billTotal = minorToScaled(bill.amount.minor, digits);
  balance.billTotal = billTotal;
  const preliminary = preliminaryBill(bill.state);
  if (preliminary) {
    const month = `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)}`;
    balance.note =
      billTotal === csvTotal
        ? `The ${month} bill is ${preliminary}: these costs may still change until the month is closed.`
        : `The ${month} bill is ${preliminary}: the difference to the CSV is not booked, and these costs may still change until the month is closed.`;
    return { rows, balance };
  }
  if (billTotal === csvTotal) return { rows, balance };
  const balancing = (category: ChargeCategory, description: string, amount: bigint): FocusRow => ({
    ...base,
    ChargePeriodStart: monthStart,
    ChargePeriodEnd: monthEnd,
    ChargeCategory: category,
    ChargeDescription: description,
    ChargeFrequency: 'One-Time',
    ...costs(amount),
    PricingUnit: null,
    ConsumedQuantity: null,
    ConsumedUnit: null,
    ServiceCategory: 'Networking',
    ServiceSubcategory: 'Network Connectivity',
    ServiceName: 'SORACOM Air',
    ResourceId: null,
    ResourceName: null,
    Tags: null,
    x_SourceDocument: `bill ${yyyyMM}`,
    x_SourceLine: null,
  });
  let rest = billTotal - csvTotal;
  const coupon = bill.appliedCouponAmount ? minorToScaled(bill.appliedCouponAmount.minor, minorDigits(bill.appliedCouponAmount.currency)) : 0n;
  if (coupon > 0n && bill.appliedCouponAmount?.currency === currency) {
    balance.added.push(balancing('Credit', 'Coupon applied to the bill', -coupon));
    rest += coupon;
  }
  if (rest > 0n) balance.added.push(balancing('Tax', 'Tax on the bill (the detailed CSV lists charges before tax)', rest));
  else if (rest < 0n) balance.added.push(balancing('Adjustment', 'Difference between the bill and its detailed CSV', rest));
  return { rows: [...rows, ...balance.added], balance };
}

// ------------------------------------------------------------------ SpatialFlow

/** Only finalised invoices are costs: never drafts or void ones. */
export const finalInvoiceStatuses = new Set(['open', 'paid', 'uncollectible']);

function spatialflowUnit(description: string): string {
  const per = /\(per\s+([\d,.]+)\s*(k|m)?\s+([a-z]+)\)/i.exec(description);
  if (per) {
    const n = Number((per[1] as string).replace(/,/g, '')) * (per[2]?.toLowerCase() === 'k' ? 1000 : per[2]?.toLowerCase() === 'm' ? 1_000_000 : 1);
    const noun = (per[3] as string).charAt(0).toUpperCase() + (per[3] as string).slice(1).toLowerCase();
    return n === 1 ? noun : `${n} ${noun}`;
  }
  return /\bplan\b|remaining time|unused time/i.test(description) ? 'Months' : 'Units';
}

/** How a SpatialFlow line item is classified; exported for the unit tests. */
export function classifySpatialFlowLine(description: string, amountMinor: number): { category: ChargeCategory; frequency: ChargeFrequency } {
  if (/\btax\b|\bvat\b|\bgst\b|sales tax/i.test(description)) return { category: 'Tax', frequency: 'One-Time' };
  if (amountMinor < 0) return { category: 'Credit', frequency: 'One-Time' };
  if (/overage|usage|metered/i.test(description)) return { category: 'Usage', frequency: 'Usage-Based' };
  if (/remaining time|prorat/i.test(description)) return { category: 'Purchase', frequency: 'One-Time' };
  if (/\bplan\b|subscription/i.test(description)) return { category: 'Purchase', frequency: 'Recurring' };
  return { category: 'Purchase', frequency: 'One-Time' };
}

export function spatialflowInvoiceRows(account: FocusAccount, invoice: SpatialFlowInvoice): { rows: FocusRow[]; adjustment: FocusRow | undefined } {
  const currency = invoice.amountDue.currency;
  const digits = minorDigits(currency);
  const start = iso(Date.parse(invoice.periodStart));
  const end = iso(Date.parse(invoice.periodEnd));
  const base = {
    BillingAccountId: account.id,
    BillingAccountName: account.name,
    BillingCurrency: currency,
    BillingPeriodStart: start,
    BillingPeriodEnd: end,
    ChargePeriodStart: start,
    ChargePeriodEnd: end,
    ChargeClass: null,
    InvoiceId: invoice.number || invoice.id,
    InvoiceIssuerName: 'SpatialFlow',
    ProviderName: 'SpatialFlow',
    PublisherName: 'SpatialFlow',
    ServiceProviderName: 'SpatialFlow',
    HostProviderName: 'SpatialFlow',
    ServiceCategory: 'Internet of Things',
    ServiceSubcategory: 'IoT Platforms',
    ServiceName: 'SpatialFlow',
    ResourceId: null,
    ResourceName: null,
    Tags: null,
    x_BillfoldAccountId: account.id,
    x_SourceDocument: `invoice ${invoice.id}`,
  } as const;
  const rows: FocusRow[] = invoice.lines.map((line, i) => {
    const kind = classifySpatialFlowLine(line.description, line.amount.minor);
    const priced = kind.category !== 'Tax';
    return {
      ...base,
      ChargeCategory: kind.category,
      ChargeDescription: line.description,
      ChargeFrequency: kind.frequency,
      ...costs(
        minorToScaled(line.amount.minor, digits),
        priced && kind.category !== 'Credit' && line.unitAmount.minor >= 0 ? minorToScaled(line.unitAmount.minor, digits) : null,
        priced ? toScaled(String(line.quantity)) : null,
      ),
      PricingUnit: priced ? spatialflowUnit(line.description) : null,
      ConsumedQuantity: kind.category === 'Usage' ? String(line.quantity) : null,
      ConsumedUnit: kind.category === 'Usage' ? spatialflowUnit(line.description) : null,
      x_SourceLine: i + 1,
    };
  });
  const linesTotal = invoice.lines.reduce((s, l) => s + l.amount.minor, 0);
  const difference = invoice.amountDue.minor - linesTotal;
  if (difference === 0) return { rows, adjustment: undefined };
  const adjustment: FocusRow = {
    ...base,
    ChargeCategory: 'Adjustment',
    ChargeDescription: 'Difference between the invoice total and its line items',
    ChargeFrequency: 'One-Time',
    ...costs(minorToScaled(difference, digits)),
    PricingUnit: null,
    ConsumedQuantity: null,
    ConsumedUnit: null,
    x_SourceLine: null,
  };
  return { rows: [...rows, adjustment], adjustment };
}

/** Sum of BilledCost per (account, invoice), as exact decimal strings: what the tests and the summary check. */
export function billedByInvoice(rows: readonly FocusRow[]): Map<string, { currency: string; total: string }> {
  const sums = new Map<string, { currency: string; total: bigint }>();
  for (const r of rows) {
    const key = `${r.x_BillfoldAccountId} ${r.InvoiceId}`;
    const prev = sums.get(key);
    sums.set(key, { currency: r.BillingCurrency, total: (prev?.total ?? 0n) + toScaled(r.BilledCost) });
  }
  return new Map([...sums].map(([k, v]) => [k, { currency: v.currency, total: fromScaled(v.total) }]));
}
