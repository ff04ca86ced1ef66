/**
 * The multi-file review's tables as CSV, built in the main process from the set it holds (every
 * row and every month, however many), and each month's currency. Amounts are exact decimals in
 * major units; a header names the currency of its column when the account's bills say it, and a
 * column that adds months of different currencies says so.
 */
import { currencyOfMonths, isOpenMonth, mixedCurrencies, type ReviewChange, type ReviewMonthlyLine, type ReviewSetCurrency, type ReviewSetMonthCurrency, type ReviewSetTable } from '../../contract/models/review-set';
import type { CsvCell } from '../files/csv';
import { formatSet, type DeviceQuery, type ReviewSetModel } from './review-set-model';

export interface SetCsv {
  title: string;
  columns: string[];
  rows: Iterable<CsvCell[]>;
}

const iso = (yyyyMM: string) => `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)}`;

/** A currency per month, the totals per currency, and what to say about them. */
export function setCurrency(months: ReviewSetMonthCurrency[], monthTotals: bigint[]): ReviewSetCurrency {
  const groups = new Map<string, { code?: string; months: string[]; total: bigint }>();
  months.forEach((c, i) => {
    const key = c.code ?? '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ...(c.code !== undefined ? { code: c.code } : {}), months: [], total: 0n }));
    g.months.push(c.month);
    g.total += monthTotals[i] ?? 0n;
  });
  const totals = [...groups.values()].map((g) => ({ ...(g.code !== undefined ? { code: g.code } : {}), months: g.months, total: formatSet(g.total) }));
  const mixed = totals.length > 1;
  const code = !mixed ? totals[0]?.code : undefined;
  const accounts = [...new Set(months.map((m) => m.accountName).filter((n): n is string => n !== undefined))].join(', ');
  let note: string;
  if (code !== undefined) note = `Amounts in ${code}, the currency of each month’s bill of ${accounts}.`;
  else if (!mixed) {
    const reason = months.find((m) => m.accountName !== undefined)?.reason;
    note =
      reason === undefined
        ? 'These files belong to no account in Billfold and do not say their currency: amounts are plain decimals, currency unknown.'
        : `The currency is unknown: ${reason} Amounts are plain decimals.`;
  } else {
    const span = (list: string[]) => (list.length === 1 ? iso(list[0] ?? '') : `${list.length} months`);
    note = `The months are in different currencies (${totals.map((t) => `${t.code ?? 'currency unknown'}: ${span(t.months)}`).join('; ')}): each month is shown in its own currency, and totals across months are per currency, never added into one.`;
  }
  const out: ReviewSetCurrency = { mixed, months, totals, note };
  if (code !== undefined) out.code = code;
  return out;
}

/**
 * What to write after a header: " (JPY)", " (mixed currencies)" or nothing when unknown; a month
 * still open is marked first (" preliminary (JPY)").
 */
function suffixOf(currency: ReviewSetCurrency, months: readonly string[]): string {
  const { code, mixed } = currencyOfMonths(currency, months);
  const [only] = months;
  const open = months.length === 1 && only !== undefined && isOpenMonth(currency, only) ? ' preliminary' : '';
  return open + (mixed ? ` (${mixedCurrencies})` : code ? ` (${code})` : '');
}

function monthlyTable(title: string, keyLabel: string, emptyKey: string, months: readonly string[], currency: ReviewSetCurrency, lines: readonly ReviewMonthlyLine[]): SetCsv {
  return {
    title,
    columns: [keyLabel, ...months.map((m) => `${iso(m)}${suffixOf(currency, [m])}`), `Total${suffixOf(currency, months)}`, 'Rows'],
    rows: lines.map((l) => [l.key === '' ? emptyKey : l.key, ...l.amounts, l.total, l.rows]),
  };
}

function changeTable(title: string, keyLabel: string, emptyKey: string, from: string, to: string, currency: ReviewSetCurrency, lines: readonly ReviewChange[]): SetCsv {
  return {
    title,
    columns: [keyLabel, `${iso(from)}${suffixOf(currency, [from])}`, `${iso(to)}${suffixOf(currency, [to])}`, `Change${suffixOf(currency, [from, to])}`],
    rows: lines.map((l) => [l.key === '' ? emptyKey : l.key, l.from, l.to, l.change]),
  };
}

/** One table of a set, by name; the SIM table in the order and with the filter the list shows. */
export function setTableCsv(model: ReviewSetModel, currency: ReviewSetCurrency, table: ReviewSetTable, column: string | undefined, query: DeviceQuery): SetCsv {
  const months = model.months;
  const groupColumn = () => {
    const c = column ?? model.groupColumns[0];
    if (c === undefined || !model.groupColumns.includes(c)) throw new ColumnNotInSetError(c);
    return c;
  };
  const compared = () => {
    const { from, to } = model.comparedMonths(query.from, query.to);
    return { from: months[from] ?? '', to: months[to] ?? '' };
  };
  switch (table) {
    case 'byItem':
      return monthlyTable('Totals by month and bill item', 'Bill item', '(no name)', months, currency, model.itemLines());
    case 'byGroup': {
      const c = groupColumn();
      const lines = model.groupLines().find((g) => g.column === c)?.lines ?? [];
      return monthlyTable(`Totals by ${c} and month`, c, '(none)', months, currency, lines);
    }
    case 'changeByItem':
    case 'changeByGroup':
    case 'movers': {
      const { from, to } = compared();
      const changes = model.compare(from, to);
      const span = `${iso(from)} to ${iso(to)}`;
      if (table === 'changeByItem') return changeTable(`Change by bill item, ${span}`, 'Bill item', '(no name)', from, to, currency, changes.byItem.lines);
      if (table === 'movers') return changeTable(`Largest changes by SIM, ${span}`, model.deviceColumn ?? 'imsi', '(account-level)', from, to, currency, changes.topMovers);
      const c = groupColumn();
      return changeTable(`Change by ${c}, ${span}`, c, '(none)', from, to, currency, changes.byGroup.find((g) => g.column === c)?.lines ?? []);
    }
    case 'devices': {
      const { from, to, rows } = model.deviceRows(query);
      const span = from === undefined ? iso(to) : `${iso(from)} to ${iso(to)}`;
      const title =
        query.only === undefined ? 'Cost per SIM and month' : `SIMs ${query.only === 'changed' ? 'that changed' : query.only === 'appeared' ? 'that appeared' : 'that went away'}, ${span}`;
      const change = from === undefined ? `Change${suffixOf(currency, [to])}` : `Change ${iso(from)} to ${iso(to)}${suffixOf(currency, [from, to])}`;
      return {
        title,
        columns: [model.deviceColumn ?? 'imsi', ...model.groupColumns, ...months.map((m) => `${iso(m)}${suffixOf(currency, [m])}`), `Total${suffixOf(currency, months)}`, `Amount ${iso(to)}${suffixOf(currency, [to])}`, change],
        rows: (function* () {
          for (const r of rows) yield [r.key === '' ? '(account-level)' : r.key, ...r.groups, ...r.amounts, r.total, r.last, r.change];
        })(),
      };
    }
  }
}

export class ColumnNotInSetError extends Error {
  constructor(readonly column: string | undefined) {
    super(column === undefined ? 'These files have no tag or group columns.' : `The files have no column named ${column}.`);
  }
}
