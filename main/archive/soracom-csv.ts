import { createReadStream } from 'node:fs';
import Papa from 'papaparse';
import { toScaled } from './decimal';

/** One data row of a Soracom detailed-billing CSV, by column name. */
export interface SoracomCsvRow {
  /** 1-based line of the row in the file (header is line 1). */
  line: number;
  /** The IMSI, or the device id for rows billed per device; empty for account-level rows. */
  resourceId: string;
  /** yyyyMMdd, or yyyyMM for monthly rows (free tier, options, discounts). */
  date: string;
  billItemName: string;
  unitPrice: string;
  quantity: string;
  amount: string;
  /** `tag:<name>` columns, without the prefix; empty values left out. */
  tags: Record<string, string>;
  /** The group column (its header is not documented: `group` or `groupName`). */
  group: string;
}

export interface SoracomCsv {
  rows: SoracomCsvRow[];
  /** Rows without a readable date or amount, by line: counted, never exported as costs. */
  malformed: number[];
  /** Sum of `amount`, scaled (see decimal.ts). */
  total: bigint;
}

const cell = (row: Record<string, string | undefined>, ...names: string[]) => {
  for (const name of names) {
    const v = row[name];
    if (v !== undefined) return v.trim();
  }
  return '';
};

/** Reads a detailed-billing CSV as a stream (UTF-8, optional BOM, CRLF or LF); columns are found by name. */
export function readSoracomCsv(file: string): Promise<SoracomCsv> {
  return new Promise((resolve, reject) => {
    const rows: SoracomCsvRow[] = [];
    const malformed: number[] = [];
    let total = 0n;
    let line = 1;
    Papa.parse<Record<string, string | undefined>>(createReadStream(file, { encoding: 'utf8' }), {
      header: true,
      skipEmptyLines: 'greedy',
      transformHeader: (h) => h.replace(/^\uFEFF/, '').trim(),
      step: (result) => {
        line += 1;
        const row = result.data;
        const date = cell(row, 'date');
        const amountText = cell(row, 'amount');
        let amount: bigint;
        try {
          amount = toScaled(amountText);
        } catch {
          malformed.push(line);
          return;
        }
        if (!/^\d{6}(\d{2})?$/.test(date)) {
          malformed.push(line);
          return;
        }
        const tags: Record<string, string> = {};
        for (const [key, value] of Object.entries(row)) {
          if (key.startsWith('tag:') && value !== undefined && value.trim() !== '') tags[key.slice(4)] = value.trim();
        }
        total += amount;
        rows.push({
          line,
          resourceId: cell(row, 'imsi', 'deviceId', 'simId'),
          date,
          billItemName: cell(row, 'billItemName'),
          unitPrice: cell(row, 'unitPrice'),
          quantity: cell(row, 'quantity'),
          amount: amountText,
          tags,
          group: cell(row, 'group', 'groupName'),
        });
      },
      complete: () => resolve({ rows, malformed, total }),
      error: (error: Error) => reject(error),
    });
  });
}
