import { toDecimalString, type Money } from '../../../contract/money';

/**
 * Tables as `files.saveTableCsv` takes them. The views show localized text ("$1,234.50",
 * "May 3, 2024"); a saved table holds what a spreadsheet reads well instead: amounts as exact
 * decimal strings with their currency in a column of its own, dates as ISO 8601, counts as numbers.
 * Pure functions, no Svelte and no DOM, so they are unit-tested directly.
 */

/** A cell as the channel accepts it. */
export type CsvCell = string | number | boolean | null;

export interface CsvTable {
  /** Also the start of the file name (the date is added by the main process). */
  title: string;
  columns: string[];
  rows: CsvCell[][];
}

/** One column: its header and how a row of the view becomes its cell. */
export interface CsvColumn<T> {
  header: string;
  cell: (item: T) => CsvCell;
}

/** Rows in the order given, one cell per column. */
export function buildTable<T>(title: string, columns: readonly CsvColumn<T>[], items: readonly T[]): CsvTable {
  return {
    title,
    columns: columns.map((c) => c.header),
    rows: items.map((item) => columns.map((c) => c.cell(item))),
  };
}

/** "1234.50" (major units, exact, no grouping); empty for no amount. */
export function amountCell(m: Money | null | undefined): string {
  return m ? toDecimalString(m) : '';
}

/** A calendar day, `YYYY-MM-DD`, from an ISO date or date-time (UTC, as the contract sends them); empty when absent. */
export function isoDay(iso: string | null | undefined): string {
  if (!iso) return '';
  if (/^\d{4}-\d{2}-\d{2}(?:$|T.*Z$)/.test(iso)) return iso.slice(0, 10);
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** `202405` → `2024-05`; anything else is kept. */
export function isoMonth(yyyyMM: string): string {
  return /^\d{6}$/.test(yyyyMM) ? `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)}` : yyyyMM;
}
