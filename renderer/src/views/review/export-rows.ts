import type { ReviewTotal } from '../../../../contract/models/review';
import type { CsvTable } from '../../lib/table-csv';

export interface TotalsInput {
  caption: string;
  keyLabel: string;
  totals: readonly ReviewTotal[];
  currency: string;
  /** Written for an empty key, as the table shows it. */
  emptyKey: string;
  formatKey?: (key: string) => string;
  others?: { values: number; amount: string; rows: number } | undefined;
}

/** A review totals table: key, rows, exact amount and currency; the "N more" line last. */
export function totalsTable({ caption, keyLabel, totals, currency, emptyKey, formatKey = (k) => k, others }: TotalsInput): CsvTable {
  const rows: CsvTable['rows'] = totals.map((t) => [t.key === '' ? emptyKey : formatKey(t.key), t.rows, t.amount, currency]);
  if (others) rows.push([`${others.values} more`, others.rows, others.amount, currency]);
  return { title: caption, columns: [keyLabel, 'Rows', 'Amount', 'Currency'], rows };
}
