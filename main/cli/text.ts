/**
 * Characters a terminal acts on rather than shows: C0 controls (ESC starts a sequence that can
 * clear the screen or retitle the window), DEL, C1 controls (0x9b is a one-byte CSI on some
 * terminals), the line and paragraph separators, and the bidi controls that reorder what is
 * shown (U+202E makes "exe.pdf" read "fdp.exe").
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controls = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text from a file or a provider (an item name, an account name, an error message) made safe to
 * print on a terminal: each control character is shown as an escape (`\x1b`) instead of acting.
 * Line breaks stay when `lines` is true (the command's own multi-line text).
 */
export function printable(text: string, { lines = false }: { lines?: boolean } = {}): string {
  return text.replace(controls, (c) => (lines && c === '\n' ? c : escaped(c)));
}

/**
 * One JSON document and a line break. JSON.stringify escapes C0 controls but leaves DEL, C1 and
 * the bidi controls raw, so a `cat` of the file would still show them to a terminal; as `\u`
 * escapes the document means the same.
 */
export function jsonText(value: unknown): string {
  // Raw C0 characters in the document are only its own line breaks (inside strings JSON escapes them).
  return `${JSON.stringify(value, null, 2).replace(controls, (c) => (c === '\n' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}\n`;
}

/**
 * A plain-text table with columns padded to their widest cell; cells are made printable. The
 * columns numbered in `right` (amounts, counts) are right-aligned, header included.
 */
export function table(header: string[], rawRows: string[][], { right = [] }: { right?: number[] } = {}): string {
  const rows = rawRows.map((r) => r.map((cell) => printable(cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i] ?? 0) : i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * An exact decimal amount ("227564", "-0.125") as the rest of the command line shows money: with
 * its currency ("¥227,564") when it is known, else grouped ("227,564"). Never rounded: a total
 * with more decimals than its currency keeps them.
 */
export function formatAmount(decimal: string, currency?: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(decimal)) return decimal;
  const options: Intl.NumberFormatOptions = currency === undefined ? { maximumFractionDigits: 20 } : { style: 'currency', currency, maximumFractionDigits: 20 };
  try {
    // A numeric string is formatted exactly (Intl.NumberFormat v3), as formatMoney does.
    return new Intl.NumberFormat(undefined, options).format(decimal as `${number}`);
  } catch {
    return currency === undefined ? decimal : `${decimal} ${currency}`;
  }
}

/** 1536 -> "1.5 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u] ?? 'TB'}`;
}

/**
 * A moment as the computer's local date and time with its offset from UTC (`2026-11-28 21:16 -08:00`),
 * as the window shows times in local time; the offset keeps it unambiguous in a log read elsewhere.
 */
export function localDateTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  const east = -at.getTimezoneOffset();
  const offset = `${east < 0 ? '-' : '+'}${two(Math.floor(Math.abs(east) / 60))}:${two(Math.abs(east) % 60)}`;
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())} ${offset}`;
}
