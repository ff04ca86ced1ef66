/**
 * An independent reading of a detailed-billing CSV for the review tests: papaparse splits the
 * records, straightforward code checks them and sums the amounts with BigInt at a fixed scale.
 * It shares nothing with the engine but the rules written in the issue.
 */
import Papa from 'papaparse';

export const SCALE = 9;

/** "-1.25" → -1250000000n (units of 10^-9). */
export function scaled(amount: string): bigint {
  const m = /^([+-])?(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) throw new Error(`not a decimal: ${amount}`);
  const v = BigInt((m[2] ?? '') + (m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] === '-' ? -v : v;
}

/** Exact decimal text of a BigInt in units of 10^-SCALE, as the review writes amounts. */
export function decimalText(v: bigint): string {
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(SCALE + 1, '0');
  const whole = digits.slice(0, -SCALE);
  const frac = digits.slice(-SCALE).replace(/0+$/, '');
  if (whole === '0' && frac === '') return '0';
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

export interface Expected {
  header: string[];
  rows: { line: number; cells: string[] }[];
  malformed: { line: number; reason: string }[];
  blankLines: number;
  total: bigint;
  byItem: Map<string, bigint>;
  byDay: Map<string, bigint>;
  byMonthRow: Map<string, bigint>;
  byColumn: Map<string, Map<string, bigint>>;
}

function validDate(d: string): boolean {
  if (!/^\d{6}(\d{2})?$/.test(d)) return false;
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(4, 6));
  if (y < 1000 || m < 1 || m > 12) return false;
  if (d.length === 6) return true;
  const day = Number(d.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, day));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === day;
}

const add = (map: Map<string, bigint>, key: string, v: bigint) => map.set(key, (map.get(key) ?? 0n) + v);

export function independentSummary(bytes: Buffer, groupColumns: string[]): Expected {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: false });
  const unterminated = new Set(parsed.errors.filter((e) => e.code === 'MissingQuotes').map((e) => e.row));
  const [header = [], ...data] = parsed.data;
  const col = (name: string) => header.indexOf(name);
  const out: Expected = {
    header,
    rows: [],
    malformed: [],
    blankLines: 0,
    total: 0n,
    byItem: new Map(),
    byDay: new Map(),
    byMonthRow: new Map(),
    byColumn: new Map(['imsi', ...groupColumns].map((c) => [c, new Map()])),
  };
  const newlines = (cells: string[]) => cells.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
  let line = 1 + newlines(header) + 1;
  data.forEach((cells, i) => {
    const start = line;
    line += 1 + newlines(cells);
    const last = i === data.length - 1;
    if (cells.length === 1 && cells[0] === '') {
      // papaparse reports the end after a final line break as one more empty row.
      if (!(last && /\n$/.test(text))) out.blankLines++;
      return;
    }
    let reason: string | undefined;
    if (unterminated.has(i + 1)) reason = 'unterminated-quote';
    else if (cells.length !== header.length) reason = 'field-count';
    else if (!validDate(cells[col('date')] ?? '')) reason = 'date';
    else if (!/^[+-]?\d+(\.\d+)?$/.test(cells[col('amount')] ?? '')) reason = 'amount';
    if (reason) {
      out.malformed.push({ line: start, reason });
      return;
    }
    out.rows.push({ line: start, cells });
    const v = scaled(cells[col('amount')] as string);
    const date = cells[col('date')] as string;
    out.total += v;
    add(out.byItem, cells[col('billItemName')] as string, v);
    add(date.length === 8 ? out.byDay : out.byMonthRow, date, v);
    for (const [c, map] of out.byColumn) add(map, cells[col(c)] as string, v);
  });
  return out;
}
