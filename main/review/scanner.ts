/**
 * A CSV record scanner over text decoded as latin1, so that one character is one byte: positions
 * are byte offsets in the file, and UTF-8 sequences pass through untouched (they are decoded
 * only for values that leave the engine). Commas, quotes and line breaks are ASCII, so they can
 * never be part of a multi-byte character.
 *
 * RFC 4180 with the usual leniency: a field is quoted only when it starts with a quote; inside
 * it a doubled quote is a quote and commas and line breaks are text; records end with CRLF or
 * LF. Text after a closing quote (`"a"b`) marks the record as having invalid quotes; a quote
 * that never closes makes the rest of the data one unterminated record.
 */

export const RECORD = 1;
export const MORE = 0;
export const END = -1;
/** A quoted field that never closes: the record runs to the end of the data. */
export const UNTERMINATED = 2;

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

export class Scanner {
  /** The text being scanned (latin1). */
  s = '';
  /** Where the next record starts in `s`. */
  p = 0;
  /** True when `s` holds the data up to the end of the range: no more will be appended. */
  final = false;
  /** Fields in the last record. */
  n = 0;
  /** Start and end (after the line break) of the last record in `s`. */
  start = 0;
  end = 0;
  /** Line breaks in the last record, its terminator included. */
  newlines = 0;
  /** The last record had text after a closing quote. */
  badQuotes = false;
  /** The last record was an empty line. */
  blank = false;
  private nl = -1;

  /** Replaces the text to scan (usually `rest()` of the previous text plus the next piece). */
  feed(text: string, final: boolean): void {
    this.s = text;
    this.p = 0;
    this.final = final;
    this.nl = -1;
  }

  /** What was not consumed yet (a partial record) so it can be prepended to the next piece. */
  rest(): string {
    return this.s.slice(this.p);
  }

  /**
   * Reads the next record into `fields` (only the indices where `want` is 1 are stored).
   * Returns RECORD, UNTERMINATED, MORE (feed more text) or END.
   */
  next(fields: string[], want: Uint8Array): number {
    const s = this.s;
    const len = s.length;
    const final = this.final;
    let p = this.p;
    if (p >= len) return final ? END : MORE;
    const start = p;
    let n = 0;
    let newlines = 0;
    let badQuotes = false;
    let blank = false;
    const wantLen = want.length;
    for (;;) {
      let unquotedFrom = -1;
      if (s.charCodeAt(p) === QUOTE) {
        let q = p + 1;
        let escaped = false;
        let close: number;
        for (;;) {
          close = s.indexOf('"', q);
          if (close === -1) {
            if (!final) return MORE;
            this.n = n + 1;
            this.start = start;
            this.end = len;
            this.newlines = countNewlines(s, start, len);
            this.badQuotes = false;
            this.blank = false;
            this.p = len;
            return UNTERMINATED;
          }
          if (close + 1 >= len && !final) return MORE;
          if (s.charCodeAt(close + 1) === QUOTE) {
            escaped = true;
            q = close + 2;
            continue;
          }
          break;
        }
        if (n < wantLen && want[n] === 1) {
          const v = s.slice(p + 1, close);
          fields[n] = escaped ? v.replaceAll('""', '"') : v;
        }
        // Line breaks inside the quoted field.
        let nl = this.nl;
        if (nl <= p) {
          nl = s.indexOf('\n', p + 1);
          if (nl === -1) nl = len;
          this.nl = nl;
        }
        while (nl < close) {
          newlines++;
          nl = s.indexOf('\n', nl + 1);
          if (nl === -1) nl = len;
          this.nl = nl;
        }
        n++;
        p = close + 1;
        if (p >= len) break;
        const d = s.charCodeAt(p);
        if (d === COMMA) {
          p++;
          continue;
        }
        if (d === LF) {
          newlines++;
          p++;
          break;
        }
        if (d === CR) {
          if (p + 1 >= len) {
            if (!final) return MORE;
            p++;
            break;
          }
          if (s.charCodeAt(p + 1) === LF) {
            newlines++;
            p += 2;
            break;
          }
        }
        // Text after the closing quote: read on to the end of the field as plain text.
        badQuotes = true;
        n--;
        unquotedFrom = p;
      }
      // An unquoted field (or the tail of a badly quoted one).
      let nl = this.nl;
      if (nl < p) {
        nl = s.indexOf('\n', p);
        if (nl === -1) nl = len;
        this.nl = nl;
      }
      if (nl >= len && !final) return MORE;
      const comma = s.indexOf(',', p);
      if (comma !== -1 && comma < nl) {
        if (n < wantLen && want[n] === 1 && unquotedFrom === -1) fields[n] = s.slice(p, comma);
        n++;
        p = comma + 1;
        continue;
      }
      let e = nl;
      if (e > p && s.charCodeAt(e - 1) === CR) e--;
      if (n === 0 && e === p && unquotedFrom === -1) blank = true;
      if (n < wantLen && want[n] === 1 && unquotedFrom === -1) fields[n] = s.slice(p, e);
      n++;
      if (nl < len) {
        newlines++;
        p = nl + 1;
      } else {
        p = len;
      }
      break;
    }
    this.n = n;
    this.start = start;
    this.end = p;
    this.newlines = newlines;
    this.badQuotes = badQuotes;
    this.blank = blank;
    this.p = p;
    return RECORD;
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let count = 0;
  let i = s.indexOf('\n', from);
  while (i !== -1 && i < to) {
    count++;
    i = s.indexOf('\n', i + 1);
  }
  return count;
}

/** latin1 text back to what the UTF-8 bytes said. */
export function utf8(latin1: string): string {
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) > 127) return Buffer.from(latin1, 'latin1').toString('utf8');
  }
  return latin1;
}

/** UTF-8 text as latin1 (one character per byte), to compare with scanned text. */
export function toLatin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
