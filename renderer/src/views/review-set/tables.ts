import type { ReviewChange, ReviewMonthlyLine, ReviewSetDevice } from '../../../../contract/models/review-set';
import { locale } from '../../lib/format';
import { isoMonth, type CsvTable } from '../../lib/table-csv';

const shortMonth = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' });

/** `202405` → "May 2024", short enough for a column header. */
export function formatShortMonth(yyyyMM: string): string {
  if (!/^\d{6}$/.test(yyyyMM)) return yyyyMM;
  return shortMonth.format(new Date(Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4)) - 1, 1)));
}

/**
 * The multi-file review's tables as `files.saveTableCsv` takes them (exact decimal amounts,
 * months as `YYYY-MM`), and the points of a SIM's trend line. Pure functions, unit-tested.
 */

/** A table by month: key, one amount per month, the total. */
export function monthlyTable(title: string, keyLabel: string, emptyKey: string, months: readonly string[], lines: readonly ReviewMonthlyLine[]): CsvTable {
  return {
    title,
    columns: [keyLabel, ...months.map(isoMonth), 'Total', 'Rows'],
    rows: lines.map((l) => [l.key === '' ? emptyKey : l.key, ...l.amounts, l.total, l.rows]),
  };
}

/** Change lines: key, the two months, the change. */
export function changeTable(title: string, keyLabel: string, emptyKey: string, from: string, to: string, lines: readonly ReviewChange[]): CsvTable {
  return {
    title,
    columns: [keyLabel, isoMonth(from), isoMonth(to), 'Change'],
    rows: lines.map((l) => [l.key === '' ? emptyKey : l.key, l.from, l.to, l.change]),
  };
}

/** Every SIM: id, tags and groups, one amount per month, total, the compared months and the change. */
export function deviceTable(title: string, deviceColumn: string, groupColumns: readonly string[], months: readonly string[], compared: { from?: string | undefined; to: string }, rows: readonly ReviewSetDevice[]): CsvTable {
  const change = compared.from === undefined ? 'Change' : `Change ${isoMonth(compared.from)} to ${isoMonth(compared.to)}`;
  return {
    title,
    columns: [deviceColumn, ...groupColumns, ...months.map(isoMonth), 'Total', `Amount ${isoMonth(compared.to)}`, change],
    rows: rows.map((r) => [r.key === '' ? '(account-level)' : r.key, ...r.groups, ...r.amounts, r.total, r.last, r.change]),
  };
}

/**
 * The points of a trend line through `amounts` in a `width` × `height` box (a polyline's
 * `points`), scaled from the smallest to the largest amount so a change shows; a flat line in the
 * middle when all are equal; months without rows count as zero. Empty for fewer than two months.
 */
export function trendPoints(amounts: readonly string[], width: number, height: number, pad = 2): string {
  if (amounts.length < 2) return '';
  const values = amounts.map(Number);
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  const step = (width - pad * 2) / (values.length - 1);
  const y = (v: number) => (span === 0 ? height / 2 : height - pad - ((v - min) / span) * (height - pad * 2));
  return values.map((v, i) => `${(pad + i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
}

/** The previous calendar month of a yyyyMM. */
export function previousMonthOf(yyyyMM: string): string {
  const y = Number(yyyyMM.slice(0, 4));
  const m = Number(yyyyMM.slice(4, 6));
  return m === 1 ? `${y - 1}12` : `${y}${String(m - 1).padStart(2, '0')}`;
}

/** Whether an exact decimal string is negative, zero or positive. */
export function signOf(amount: string): -1 | 0 | 1 {
  if (/^-?0(\.0*)?$/.test(amount)) return 0;
  return amount.startsWith('-') ? -1 : 1;
}
