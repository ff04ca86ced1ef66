/**
 * A CSV record scanner over the file's bytes. Fields are found as byte ranges of a Buffer and
 * decoded to text only where a value leaves the engine (as UTF-8, so every text is the file's
 * text); totals hash the bytes themselves. Commas, quotes and line breaks are ASCII, so they can
 * never be part of a multi-byte UTF-8 character.
 *
 * RFC 4180 with the usual leniency: a field is quoted only when it starts with a quote; inside
 * it a doubled quote is a quote and commas and line breaks are text; records end with CRLF or
 * LF. Text after a closing quote (`"a"b`) marks the record as having invalid quotes; a quote
 * that never closes makes the rest of the data one unterminated record.
 *
 * One record may span at most `maxRecordBytes`: a longer one is malformed (`TOO_LONG`), and
 * reading resumes after the line break that ends it outside quotes, found with native searches
 * without keeping the record in memory. No byte is scanned more than twice.
 */
import fs from 'node:fs';

export const RECORD = 1;
export const MORE = 0;
export const END = -1;
/** A quoted field that never closes: the record runs to the end of the data. */
export const UNTERMINATED = 2;
/** A record longer than the cap (or the end of the data while skipping one). */
export const TOO_LONG = 3;

/** The most bytes one record may span. */
export const maxRecordBytes = 1024 * 1024;

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/** The fields of the last record: byte ranges in the reader's buffer, valid until the next read. */
export class Fields {
  /** Start and end of each field's text (quotes excluded). */
  start: Int32Array;
  end: Int32Array;
  /** 0 plain, 1 quoted, 2 quoted with doubled quotes inside (to unescape), 3 text after a closing quote. */
  kind: Uint8Array;
  /** Fields in the record (may be more than are stored). */
  n = 0;
  constructor(readonly stored: number) {
    this.start = new Int32Array(stored);
    this.end = new Int32Array(stored);
    this.kind = new Uint8Array(stored);
  }
}

/** What one call of `scanRecord` found, beside the fields. */
export interface ScanState {
  /** Where the record ends in the buffer (after its line break). */
  end: number;
  newlines: number;
  badQuotes: boolean;
  blank: boolean;
}

/**
 * Scans one record starting at `p` in `buf[0..len)`. Returns RECORD, UNTERMINATED (only when
 * `final`), MORE (the record goes on past `len`) or END (nothing left and `final`).
 */
export function scanRecord(buf: Buffer, view: DataView, p: number, len: number, final: boolean, f: Fields, st: ScanState): number {
  if (p >= len) return final ? END : MORE;
  const stored = f.stored;
  const fStart = f.start;
  const fEnd = f.end;
  const fKind = f.kind;
  let n = 0;
  let newlines = 0;
  let badQuotes = false;
  let blank = false;
  // One pass over the bytes, in plain loops (no native call per record: records are short).
  for (;;) {
    if (p < len && buf[p] === QUOTE) {
      let q = p + 1;
      let escaped = false;
      for (;;) {
        // Four bytes at a time while none is a quote or a line feed.
        while (q + 4 <= len) {
          const w = view.getInt32(q, true);
          const a = w ^ 0x22222222;
          const b = w ^ 0x0a0a0a0a;
          if ((((a - 0x01010101) & ~a) | ((b - 0x01010101) & ~b)) & 0x80808080) break;
          q += 4;
        }
        while (q < len) {
          const c = buf[q];
          if (c === QUOTE) break;
          if (c === LF) newlines++;
          q++;
        }
        if (q >= len) {
          if (!final) return MORE;
          // The quote never closes: the rest of the data is this record.
          if (n < stored) {
            fStart[n] = p + 1;
            fEnd[n] = len;
            fKind[n] = escaped ? 2 : 1;
          }
          f.n = n + 1;
          st.end = len;
          st.newlines = newlines;
          st.badQuotes = false;
          st.blank = false;
          return UNTERMINATED;
        }
        if (q + 1 >= len && !final) return MORE;
        if (buf[q + 1] === QUOTE) {
          escaped = true;
          q += 2;
          continue;
        }
        break;
      }
      let kind = escaped ? 2 : 1;
      const textStart = p + 1;
      p = q + 1;
      if (p < len) {
        const d = buf[p];
        if (d !== COMMA && d !== LF && !(d === CR && (p + 1 >= len || buf[p + 1] === LF))) {
          // Text after the closing quote: read on to the end of the field as plain text.
          badQuotes = true;
          kind = 3;
          while (p < len) {
            const c = buf[p];
            if (c === COMMA || c === LF) break;
            p++;
          }
          if (p >= len && !final) return MORE;
          q = p < len && buf[p] === LF && buf[p - 1] === CR ? p - 1 : p;
        }
      } else if (!final) {
        return MORE;
      }
      if (n < stored) {
        fStart[n] = textStart;
        fEnd[n] = q;
        fKind[n] = kind;
      }
      n++;
      if (p >= len) break;
      const d = buf[p];
      if (d === COMMA) {
        p++;
        continue;
      }
      if (d === CR && p + 1 >= len) {
        if (!final) return MORE;
        p++;
        break;
      }
      if (d === CR) p++;
      // A line feed.
      newlines++;
      p++;
      break;
    }
    const fieldStart = p;
    let c = 0;
    // Four bytes at a time while none is a comma or a line feed.
    while (p + 4 <= len) {
      const w = view.getInt32(p, true);
      const a = w ^ 0x2c2c2c2c;
      const b = w ^ 0x0a0a0a0a;
      if ((((a - 0x01010101) & ~a) | ((b - 0x01010101) & ~b)) & 0x80808080) break;
      p += 4;
    }
    while (p < len) {
      c = buf[p] as number;
      if (c === COMMA || c === LF) break;
      p++;
    }
    if (p < len && c === COMMA) {
      if (n < stored) {
        fStart[n] = fieldStart;
        fEnd[n] = p;
        fKind[n] = 0;
      }
      n++;
      p++;
      continue;
    }
    if (p >= len && !final) return MORE;
    let e = p;
    if (e > fieldStart && buf[e - 1] === CR) e--;
    if (n < stored) {
      fStart[n] = fieldStart;
      fEnd[n] = e;
      fKind[n] = 0;
    }
    blank = n === 0 && e === fieldStart;
    n++;
    if (p < len) {
      newlines++;
      p++;
    }
    break;
  }
  f.n = n;
  st.end = p;
  st.newlines = newlines;
  st.badQuotes = badQuotes;
  st.blank = blank;
  return RECORD;
}

/**
 * The fast path of `scanRecord` for the usual record: no line break inside quotes, nothing
 * after a closing quote, the data read so far holding the whole record. Scans fields `n`… from
 * `p` (the start of field `n`) into the field arrays. With `stop < count` it stops after the
 * comma that ends field `stop - 1` and returns where field `stop` starts; otherwise the record
 * must have exactly `count` fields and it returns where the record ends (after its line
 * break). Returns -1 for anything else; `scanRecord`, which knows every case, reads it then.
 */
export function scanFields(buf: Buffer, view: DataView, p: number, len: number, n: number, stop: number, count: number, fStart: Int32Array, fEnd: Int32Array, fKind: Uint8Array): number {
  const last4 = len - 4;
  for (;;) {
    if (p >= len) return -1;
    if (buf[p] === QUOTE) {
      let q = p + 1;
      let kind = 1;
      for (;;) {
        // Four bytes at a time. A byte is flagged when it is a quote, a line feed, `*` or 0x02
        // (one test for the first two); the lowest flagged byte is the first of them.
        let m = 0;
        while (q <= last4) {
          const a = (view.getInt32(q, true) | 0x28282828) ^ 0x2a2a2a2a;
          m = ~(((a & 0x7f7f7f7f) + 0x7f7f7f7f) | a | 0x7f7f7f7f);
          if (m !== 0) break;
          q += 4;
        }
        if (m === 0) return -1;
        q += (31 - Math.clz32(m & -m)) >> 3;
        // The two bytes after the quote decide (a doubled quote, or the end of the field).
        if (q + 2 >= len) return -1;
        const c = buf[q];
        if (c !== QUOTE) {
          if (c === LF) return -1;
          q++;
          continue;
        }
        if (buf[q + 1] !== QUOTE) break;
        kind = 2;
        q += 2;
      }
      fStart[n] = p + 1;
      fEnd[n] = q;
      fKind[n] = kind;
      n++;
      p = q + 1;
      const d = buf[p];
      if (d === COMMA) {
        if (n === stop) return stop < count ? p + 1 : -1;
        p++;
        continue;
      }
      if (n !== count) return -1;
      if (d === LF) return p + 1;
      if (d === CR && buf[p + 1] === LF) return p + 2;
      return -1;
    }
    const s = p;
    // Four bytes at a time; the lowest flagged byte is the first comma or line feed.
    let m = 0;
    while (p <= last4) {
      const w = view.getInt32(p, true);
      const a = w ^ 0x2c2c2c2c;
      const b = w ^ 0x0a0a0a0a;
      m = ~(((((a & 0x7f7f7f7f) + 0x7f7f7f7f) | a) & (((b & 0x7f7f7f7f) + 0x7f7f7f7f) | b)) | 0x7f7f7f7f);
      if (m !== 0) break;
      p += 4;
    }
    if (m === 0) return -1;
    p += (31 - Math.clz32(m & -m)) >> 3;
    fStart[n] = s;
    fKind[n] = 0;
    if (buf[p] === COMMA) {
      fEnd[n] = p;
      n++;
      if (n === stop) return stop < count ? p + 1 : -1;
      p++;
      continue;
    }
    fEnd[n] = p > s && buf[p - 1] === CR ? p - 1 : p;
    n++;
    return n === count ? p + 1 : -1;
  }
}

// States of the skipper.
const S_FIELD_START = 0;
const S_UNQUOTED = 1;
const S_QUOTED = 2;
/** In a quoted field, right after a quote that was the last byte of the data read so far. */
const S_QUOTE_PENDING = 3;

/**
 * Finds the end of a record too long to scan field by field: the first line break outside
 * quotes, with native searches (memchr speed), remembering only the quote state between pieces.
 */
export class Skipper {
  state = S_FIELD_START;
  newlines = 0;

  reset(): void {
    this.state = S_FIELD_START;
    this.newlines = 0;
  }

  /** The position after the line break that ends the record in `buf[p..len)`, or -1 (read on). */
  run(buf: Buffer, p: number, len: number): number {
    let nl = -2;
    /** The next quote at or after `p` (-2: not looked for yet, -1: none). */
    let qt = -2;
    while (p < len) {
      const state = this.state;
      if (state === S_QUOTED) {
        let q = buf.indexOf(QUOTE, p);
        if (q === -1 || q >= len) q = len;
        this.newlines += countLineFeeds(buf, p, q);
        if (q >= len) return -1;
        if (q + 1 >= len) {
          this.state = S_QUOTE_PENDING;
          return -1;
        }
        if (buf[q + 1] === QUOTE) {
          p = q + 2;
          continue;
        }
        this.state = S_UNQUOTED;
        p = q + 1;
        continue;
      }
      if (state === S_QUOTE_PENDING) {
        if (buf[p] === QUOTE) {
          this.state = S_QUOTED;
          p++;
        } else {
          this.state = S_UNQUOTED;
        }
        continue;
      }
      if (state === S_FIELD_START && buf[p] === QUOTE) {
        this.state = S_QUOTED;
        p++;
        continue;
      }
      this.state = S_UNQUOTED;
      // Unquoted: a quote opens a field only right after a comma (memchr for both bytes).
      if (nl < p && nl !== -1) {
        nl = buf.indexOf(LF, p);
        if (nl >= len) nl = -1;
      }
      const limit = nl === -1 ? len : nl;
      let opened = false;
      while (qt !== -1) {
        if (qt < p) {
          qt = buf.indexOf(QUOTE, p);
          if (qt >= len) qt = -1;
          continue;
        }
        if (qt >= limit) break;
        if (qt > p && buf[qt - 1] === COMMA) {
          opened = true;
          break;
        }
        // A quote inside unquoted text is text.
        qt = buf.indexOf(QUOTE, qt + 1);
        if (qt >= len) qt = -1;
      }
      if (opened) {
        this.state = S_QUOTED;
        p = qt + 1;
        continue;
      }
      if (nl !== -1) {
        this.newlines++;
        this.state = S_FIELD_START;
        return nl + 1;
      }
      this.state = buf[len - 1] === COMMA ? S_FIELD_START : S_UNQUOTED;
      return -1;
    }
    return -1;
  }
}

/** Line feeds in `buf[from..to)`, four bytes at a time where there are none. */
export function countLineFeeds(buf: Buffer, from: number, to: number): number {
  let count = 0;
  let i = from;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (i < to) {
    if (i + 4 <= to) {
      const b = view.getInt32(i, true) ^ 0x0a0a0a0a;
      if (((b - 0x01010101) & ~b & 0x80808080) === 0) {
        i += 4;
        continue;
      }
    }
    if (buf[i] === LF) count++;
    i++;
  }
  return count;
}

/** The text of field `i` of the last record, as written (UTF-8, doubled quotes undone). */
export function fieldText(buf: Buffer, f: Fields, i: number): string {
  if (i >= f.n || i >= f.stored) return '';
  const s = f.start[i] as number;
  const e = f.end[i] as number;
  const kind = f.kind[i] as number;
  if (kind === 3) {
    // `"a"b`: the quoted part as text, then the rest, as a lenient reader shows it.
    return buf.toString('utf8', s, e);
  }
  const text = buf.toString('utf8', s, e);
  return kind === 2 ? text.replaceAll('""', '"') : text;
}

/**
 * Reads records of a file from a byte offset, a piece at a time. The buffer holds at least
 * twice the record cap, so a record under the cap is always whole after one more read; a
 * record over it is skipped without being kept.
 */
export class RecordReader {
  readonly fields: Fields;
  readonly st: ScanState = { end: 0, newlines: 0, badQuotes: false, blank: false };
  readonly buf: Buffer;
  /** The same bytes as a DataView (for reading four bytes at a time). */
  readonly view: DataView;
  /** File offset of `buf[0]`. */
  base: number;
  /** Where reading started. */
  private readonly from: number;
  /** Bytes read into `buf`; the next record starts at `p` (callers may read rows there themselves, see `skipTo`). */
  len = 0;
  p = 0;
  private filePos: number;
  private eof = false;
  private readonly skipper = new Skipper();
  /** Set while a too-long record is being skipped. */
  skipping = false;
  private skipStart = 0;
  /** The first bytes of the record being skipped (for the malformed list). */
  skipHead: Buffer = Buffer.alloc(0);
  /** Byte offsets of the last record. */
  recordStart = 0;
  recordEnd = 0;
  /** Position of the last record in `buf` (valid until the next call). */
  recStart = 0;

  constructor(
    private readonly fd: number,
    from: number,
    private readonly size: number,
    storedFields: number,
    private readonly chunkBytes = 4 * 1024 * 1024,
    /** Called with the bytes read after each piece. */
    private readonly onRead?: (bytes: number) => void,
    private readonly cap = maxRecordBytes,
  ) {
    this.fields = new Fields(storedFields);
    this.base = from;
    this.from = from;
    this.filePos = from;
    const room = Math.max(4096, Math.min(chunkBytes + 2 * cap, size - from + 1));
    this.buf = Buffer.allocUnsafe(room);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    if (from >= size) this.eof = true;
  }

  /** Moves past records the caller read from `buf` itself (with `scanRow`). */
  skipTo(p: number): void {
    this.p = p;
  }

  /** File offset of the next record. */
  position(): number {
    return this.base + this.p;
  }

  /**
   * The next record: RECORD, UNTERMINATED, TOO_LONG, END; or MORE when the caller must call
   * `fill` with a read (so the same code serves synchronous and asynchronous reads).
   */
  step(): number {
    for (;;) {
      if (this.skipping) {
        const end = this.skipper.run(this.buf, this.p, this.len);
        if (end >= 0) return this.finishSkip(end, this.skipper.newlines);
        this.p = this.len;
        if (this.eof) return this.finishSkip(this.len, this.skipper.newlines);
        return MORE;
      }
      const status = scanRecord(this.buf, this.view, this.p, this.len, this.eof, this.fields, this.st);
      if (status === MORE) {
        if (this.len - this.p > this.cap) {
          this.startSkip();
          continue;
        }
        return MORE;
      }
      if (status === END) return END;
      this.recStart = this.p;
      this.recordStart = this.base + this.p;
      this.recordEnd = this.base + this.st.end;
      this.p = this.st.end;
      if (this.recordEnd - this.recordStart > this.cap) {
        this.skipHead = Buffer.from(this.headAt(this.recStart));
        return status === UNTERMINATED ? UNTERMINATED : TOO_LONG;
      }
      return status;
    }
  }

  private startSkip(): void {
    this.skipping = true;
    this.skipStart = this.base + this.p;
    this.skipHead = Buffer.from(this.headAt(this.p));
    this.skipper.reset();
  }

  private finishSkip(end: number, newlines: number): number {
    const unterminated = end >= this.len && this.eof && (this.skipper.state === S_QUOTED || this.skipper.state === S_QUOTE_PENDING);
    this.skipping = false;
    this.recordStart = this.skipStart;
    this.recordEnd = this.base + end;
    this.recStart = -1;
    this.p = end;
    this.st.newlines = newlines;
    this.st.badQuotes = false;
    this.st.blank = false;
    this.fields.n = 0;
    return unterminated ? UNTERMINATED : TOO_LONG;
  }

  /** Where the next read goes and how much it may take; moves the unread tail to the front. */
  private prepare(): { at: number; want: number; pos: number } {
    if (this.skipping) {
      // Nothing of a skipped record is kept.
      this.base += this.len;
      this.len = 0;
      this.p = 0;
    } else if (this.p > 0) {
      const keep = this.len - this.p;
      if (keep > 0) this.buf.copyWithin(0, this.p, this.len);
      this.base += this.p;
      this.len = keep;
      this.p = 0;
    }
    return { at: this.len, want: Math.min(this.buf.length - this.len, this.chunkBytes), pos: this.filePos };
  }

  private took(got: number): void {
    this.len += got;
    this.filePos += got;
    if (got === 0 || this.filePos >= this.size) this.eof = true;
    this.onRead?.(got);
  }

  /** Called with the offset a read is about to reach, before it reads (synchronous reads). */
  beforeRead: ((upTo: number) => void) | undefined;

  /** The file's bytes given in memory instead (see `RangeJob.data`). */
  source: Uint8Array | undefined;

  private readSync(at: number, want: number, pos: number): number {
    const source = this.source;
    if (source === undefined) return fs.readSync(this.fd, this.buf, at, want, pos);
    const got = Math.max(0, Math.min(want, source.length - pos));
    this.buf.set(source.subarray(pos, pos + got), at);
    return got;
  }

  /** `step` with synchronous reads. */
  next(): number {
    for (;;) {
      const status = this.step();
      if (status !== MORE) return status;
      const { at, want, pos } = this.prepare();
      this.beforeRead?.(pos + want);
      this.took(want > 0 ? this.readSync(at, want, pos) : 0);
    }
  }

  /** `step` with asynchronous reads (the main thread); stops reading after `budget` bytes. */
  async nextAsync(budget = Infinity): Promise<number> {
    for (;;) {
      const status = this.step();
      if (status !== MORE) return status;
      if (this.filePos - this.from > budget) return END;
      const { at, want, pos } = this.prepare();
      this.took(want > 0 ? await readAsync(this.fd, this.buf, at, want, pos) : 0);
    }
  }

  /** The first bytes of the last record, as text (for the malformed list). */
  rawText(): { raw: string; truncated: boolean } {
    const length = this.recordEnd - this.recordStart;
    let head: Buffer;
    if (this.recStart >= 0 && length <= rawBytes) head = this.buf.subarray(this.recStart, this.recStart + length);
    else if (this.recStart >= 0) head = this.headAt(this.recStart);
    else head = this.skipHead;
    return rawOf(head, length > rawBytes);
  }

  /** At most `rawBytes` of the buffer from `at`, never past what was read into it (the rest is old memory). */
  private headAt(at: number): Buffer {
    return this.buf.subarray(at, Math.min(at + rawBytes, this.len));
  }
}

/** How many bytes of a malformed record are kept as its text. */
export const rawBytes = 500;

/** Text of a record's first bytes, cut at a character boundary, without its line break. */
export function rawOf(head: Buffer, truncated: boolean): { raw: string; truncated: boolean } {
  let end = head.length;
  if (truncated) {
    // Do not cut a UTF-8 character in two.
    let i = end;
    while (i > 0 && ((head[i - 1] as number) & 0xc0) === 0x80) i--;
    if (i > 0) {
      const lead = head[i - 1] as number;
      const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (end - (i - 1) < need) end = i - 1;
    }
  }
  if (end > 0 && head[end - 1] === LF) end--;
  if (end > 0 && head[end - 1] === CR) end--;
  return { raw: head.toString('utf8', 0, end), truncated };
}

const readAsync = (fd: number, buf: Buffer, offset: number, length: number, position: number) =>
  new Promise<number>((resolve, reject) => fs.read(fd, buf, offset, length, position, (error, got) => (error ? reject(error) : resolve(got))));
