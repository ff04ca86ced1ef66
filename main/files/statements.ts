import type { Content, DocDefinition } from 'pdfmake';
import type { AgilicusBillingAccount, AgilicusUsageRecordList } from '../../contract/models/agilicus';
import { soracomPaymentWords, type SoracomDailyBills, type SoracomMonthlyBill } from '../../contract/models/soracom';
import { formatMoney, sumByCurrency, type Money } from '../../contract/money';

/** Statements are written in one fixed locale so their figures read the same on every machine. */
export const statementLocale = 'en-US';
export const money = (m: Money) => formatMoney(m, statementLocale);

const monthName = (yyyyMM: string) =>
  new Intl.DateTimeFormat(statementLocale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4, 6)) - 1, 1)),
  );
/** As the window writes a time in UTC: "Nov 29, 2026, 08:25 AM UTC". */
const dateTime = (d: Date) =>
  new Intl.DateTimeFormat(statementLocale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(d);
const isoDate = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

function currencyName(code: string): string {
  try {
    return new Intl.DisplayNames(statementLocale, { type: 'currency' }).of(code) ?? code;
  } catch {
    return code;
  }
}

const styles = {
  title: { fontSize: 18, margin: [0, 0, 0, 2] },
  subtitle: { fontSize: 10, color: '#555555', margin: [0, 0, 0, 14] },
  heading: { fontSize: 12, margin: [0, 14, 0, 6], color: '#1f3a5f' },
  th: { fontSize: 9, color: '#333333', fillColor: '#eef2f7' },
  total: { fontSize: 10, fillColor: '#f5f5f5' },
  note: { fontSize: 8, color: '#666666', margin: [0, 8, 0, 0] },
};

function frame(title: string, subtitle: string, content: Content[], generatedAt: Date): DocDefinition {
  return {
    info: { title, creator: 'Billfold', producer: 'Billfold', creationDate: generatedAt },
    pageSize: 'A4',
    pageMargins: [48, 48, 48, 56],
    styles,
    content: [{ text: title, style: 'title' }, { text: subtitle, style: 'subtitle' }, ...content],
    footer: (page, pages) => ({ text: `${title} · page ${page} of ${pages}`, alignment: 'center', fontSize: 8, color: '#888888', margin: [0, 20, 0, 0] }),
  };
}

const keyValue = (rows: [string, string][]): Content => ({
  table: { widths: [150, '*'], body: rows.map(([k, v]) => [{ text: k, color: '#555555' }, v]) },
  layout: 'noBorders',
});

/** The month's amount minus its daily charges: a negative value when free tiers and discounts outweigh the fees. */
const monthlyLabel = 'Monthly fees less free tiers and discounts';

export interface SoracomStatementInput {
  accountName: string;
  yyyyMM: string;
  bill: SoracomMonthlyBill;
  daily: SoracomDailyBills;
  generatedAt: Date;
}

/** One Soracom month: the bill, the daily charges and their total, in the bill's currency. */
export function soracomStatement(input: SoracomStatementInput): DocDefinition {
  const { bill, daily } = input;
  const title = `Soracom statement: ${monthName(input.yyyyMM)}`;
  const currencies = [...new Set([...(bill.amount === null ? [] : [bill.amount.currency]), ...daily.days.map((d) => d.amount.currency)])];
  // A month not closed yet has not been billed: its amount is the month so far.
  const amountLabel = bill.state === 'temporary' ? 'Amount so far' : 'Amount billed';
  const summary: [string, string][] = [
    [amountLabel, bill.amount === null ? 'No amount (Soracom sent none)' : money(bill.amount)],
    ['Status', bill.state === 'closed' ? 'Closed (final)' : bill.state === 'temporary' ? 'Preliminary (still being aggregated)' : (bill.state ?? '—')],
  ];
  if (bill.appliedCouponAmount) summary.push(['Coupons applied', money(bill.appliedCouponAmount)]);
  if (bill.paymentStatus) summary.push(['Payment status', Object.hasOwn(soracomPaymentWords, bill.paymentStatus) ? (soracomPaymentWords[bill.paymentStatus] as string) : bill.paymentStatus]);
  summary.push(['Currency', currencies.map((c) => `${c} (${currencyName(c)})`).join(', ')]);
  // Days Soracom sent that could not be read are counted, so the daily total is never taken for the whole.
  const skipped = daily.unreadable?.length ?? 0;
  if (skipped > 0) summary.push(['Daily bills not readable', `${skipped}, left out of the daily charges and their total`]);

  const days = [...daily.days].sort((a, b) => a.date.localeCompare(b.date));
  const totals = sumByCurrency(days.map((d) => d.amount));
  const body: Content[][] = [
    [
      { text: 'Date', style: 'th' },
      { text: 'Amount', style: 'th', alignment: 'right' },
    ],
    ...days.map((d): Content[] => [d.date, { text: money(d.amount), alignment: 'right' }]),
    ...totals.map((t): Content[] => [
      { text: 'Total of daily charges', style: 'total' },
      { text: money(t), style: 'total', alignment: 'right' },
    ]),
  ];
  // What is charged or taken off once a month, when it can be told: the month's amount minus the
  // daily charges, in one currency, with every day read (a day left out would count as a monthly fee).
  const month = bill.amount;
  const daysTotal = totals.length === 1 ? totals[0] : totals.length === 0 ? (month ? { minor: 0, currency: month.currency } : undefined) : undefined;
  const monthly = month && daysTotal && daysTotal.currency === month.currency && skipped === 0 ? { minor: month.minor - daysTotal.minor, currency: month.currency } : undefined;
  if (month && monthly) {
    body.push([monthlyLabel, { text: money(monthly), alignment: 'right' }], [{ text: `${amountLabel} for the month`, style: 'total' }, { text: money(month), style: 'total', alignment: 'right' }]);
  }
  return frame(
    title,
    `${input.accountName} · generated ${dateTime(input.generatedAt)} by Billfold`,
    [
      { text: 'Summary', style: 'heading' },
      keyValue(summary),
      { text: 'Daily charges', style: 'heading' },
      days.length === 0
        ? { text: skipped > 0 ? 'None of the daily bills Soracom sent for this month could be read.' : 'Soracom reported no daily charges for this month.' }
        : { table: { headerRows: 1, widths: ['*', 120], body, dontBreakRows: true }, layout: 'lightHorizontalLines' },
      {
        text: `Amounts are as Soracom reports them, tax included. The daily charges leave out what Soracom charges or takes off once a month (basic fees and monthly options; free tiers and volume discounts), so their total can be below or above the month's amount${monthly ? `; the difference is shown after it as ${monthlyLabel.toLowerCase()}` : ''}.`,
        style: 'note',
      },
    ],
    input.generatedAt,
  );
}

export interface AgilicusStatementInput {
  accountName: string;
  billingAccount: AgilicusBillingAccount;
  usage: AgilicusUsageRecordList;
  generatedAt: Date;
}

/** An Agilicus billing account: customer, subscriptions, organisations and its usage records. */
export function agilicusUsageStatement(input: AgilicusStatementInput): DocDefinition {
  const ba = input.billingAccount;
  const records = [...input.usage.records].sort((a, b) => (a.timestamp ?? '').localeCompare(b.timestamp ?? ''));
  const dates = records.map((r) => r.date).filter((d): d is string => d !== null);
  const period = dates.length > 0 ? `${dates[0]} to ${dates[dates.length - 1]}` : 'no usage recorded';
  const customer = ba.customer?.name ?? ba.customerId ?? ba.id;
  const title = `Agilicus usage statement: ${customer}`;

  const facts: [string, string][] = [
    ['Billing account', ba.id],
    ['Customer', [ba.customer?.name, ba.customer?.email, ba.customerId].filter((x): x is string => !!x).join(' · ') || '—'],
    ['Period', period],
    ['Total quantity', input.usage.totalQuantity.toLocaleString(statementLocale)],
  ];
  if (ba.devMode) facts.push(['Mode', 'Development (not billed)']);

  const subs = ba.subscriptions ?? [];
  const content: Content[] = [{ text: 'Summary', style: 'heading' }, keyValue(facts)];
  if (subs.length > 0) {
    content.push({ text: 'Subscriptions', style: 'heading' }, {
      table: {
        headerRows: 1,
        widths: ['*', 70, 90, 50, 80],
        body: [
          ['Plan', 'Status', 'Unit price', 'Quantity', 'Period ends'].map((h) => ({ text: h, style: 'th' })),
          ...subs.map((s): Content[] => [
            s.planName ?? s.id ?? '—',
            s.status ?? '—',
            { text: s.unitPrice ? `${money(s.unitPrice)}${s.interval ? ` / ${s.interval}` : ''}` : '—', alignment: 'right' },
            { text: s.quantity === null ? '—' : String(s.quantity), alignment: 'right' },
            isoDate(s.currentPeriodEnd),
          ]),
        ],
      },
      layout: 'lightHorizontalLines',
    });
  }
  if (ba.orgs.length > 0) {
    content.push({ text: 'Organisations', style: 'heading' }, {
      table: {
        headerRows: 1,
        widths: ['*', 150, 70],
        body: [
          ['Name', 'Id', 'State'].map((h) => ({ text: h, style: 'th' })),
          ...ba.orgs.map((o): Content[] => [o.name, o.id, o.currentState ?? o.adminState ?? '—']),
        ],
      },
      layout: 'lightHorizontalLines',
    });
  }
  content.push({ text: 'Usage records', style: 'heading' });
  if (records.length === 0) content.push({ text: 'Agilicus reported no usage records for this billing account.' });
  else
    content.push({
      table: {
        headerRows: 1,
        widths: ['*', 100],
        dontBreakRows: true,
        body: [
          [
            { text: 'Date', style: 'th' },
            { text: 'Quantity', style: 'th', alignment: 'right' },
          ],
          ...records.map((r): Content[] => [r.date ?? r.timestamp ?? '—', { text: r.quantity === null ? '—' : r.quantity.toLocaleString(statementLocale), alignment: 'right' }]),
          [
            { text: 'Total quantity', style: 'total' },
            { text: input.usage.totalQuantity.toLocaleString(statementLocale), style: 'total', alignment: 'right' },
          ],
        ],
      },
      layout: 'lightHorizontalLines',
    });
  if (input.usage.mayBeTruncated) {
    content.push({ text: `Agilicus returned its maximum of ${input.usage.limit} records; older usage may not be listed.`, style: 'note' });
  }
  return frame(title, `${input.accountName} · generated ${dateTime(input.generatedAt)} by Billfold`, content, input.generatedAt);
}
