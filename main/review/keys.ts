/**
 * Tables for the totals, without a string or an object per row: distinct values are interned
 * as byte slices (hashed straight from the file's buffer) and numbered; sums live in typed
 * arrays indexed by those numbers. Every table has a cap on its distinct keys: past it, rows
 * are counted under one "other" key, so a hostile file cannot grow memory without bound.
 */

import { isAscii, isUtf8 } from 'node:buffer';

/** The key the rows past a table's cap are counted under. */
export const otherKey = '(other)';

const EMPTY = 0;

/** A DataView over exactly the bytes of `b`. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Interned byte strings, numbered from 0 in order of first appearance. */
export class KeyTable {
  private arena: Buffer;
  private arenaView: DataView;
  private used = 0;
  private offs: Int32Array;
  private lens: Int32Array;
  private hashes: Int32Array;
  /** The key that came after each key the last time it changed (-1: none yet). */
  private succ: Int32Array;
  /** Open addressing: key number + 1, or 0. */
  private slots: Int32Array;
  private mask: number;
  count = 0;
  /** The number rows past the cap get (created on first use). */
  other = -1;
  private lastId = -1;
  /** The few keys seen last (bill items alternate within a SIM's day). */
  private readonly recent = new Int32Array(4).fill(-1);
  private recentAt = 0;

  constructor(
    readonly cap: number,
    initial = 64,
    /** Look among the few keys seen last before hashing (for keys that alternate, like bill items). */
    private readonly alternating = false,
  ) {
    const size = 1 << Math.ceil(Math.log2(Math.max(16, initial * 2)));
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.offs = new Int32Array(initial);
    this.lens = new Int32Array(initial);
    this.hashes = new Int32Array(initial);
    this.succ = new Int32Array(initial).fill(-1);
    this.arena = Buffer.allocUnsafe(initial * 16);
    this.arenaView = viewOf(this.arena);
  }

  /** Whether `dv[s..e)` equals key `k` (four bytes at a time). */
  private same(dv: DataView, s: number, e: number, k: number): boolean {
    if (this.lens[k] !== e - s) return false;
    const a = this.arenaView;
    let o = this.offs[k] as number;
    let i = s;
    while (i + 4 <= e) {
      if (dv.getInt32(i, true) !== a.getInt32(o, true)) return false;
      i += 4;
      o += 4;
    }
    while (i < e) {
      if (dv.getUint8(i) !== a.getUint8(o)) return false;
      i++;
      o++;
    }
    return true;
  }

  /** A table holding packed keys (numbered as they were), sharing their memory; its hash index is the packed one, or built on first lookup. */
  static fromPacked(p: PackedKeys, cap: number, alternating = false): KeyTable {
    const t = new KeyTable(cap, 0, alternating);
    t.arena = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
    t.arenaView = viewOf(t.arena);
    t.used = p.bytes.byteLength;
    t.offs = p.offs;
    t.lens = p.lens;
    t.hashes = p.hashes;
    t.succ = new Int32Array(p.offs.length).fill(-1);
    t.count = p.offs.length;
    t.other = p.other;
    if (p.slots) {
      t.slots = p.slots;
      t.mask = p.slots.length - 1;
    } else t.mask = -1;
    return t;
  }

  /** `id`, trying `hint` first (the value this column had the last time a row's device was seen). */
  idHinted(dv: DataView, s: number, e: number, hint: number): number {
    const k = this.findHinted(dv, s, e, hint);
    return k >= 0 ? k : this.id(dv, s, e);
  }

  /** `find`, trying `hint` first (unless it is the "other" key, whose text a real value may have). */
  findHinted(dv: DataView, s: number, e: number, hint: number): number {
    const last = this.lastId;
    if (hint >= 0 && hint !== last && hint !== this.other && this.same(dv, s, e, hint)) {
      this.follow(last, hint);
      return hint;
    }
    return this.find(dv, s, e);
  }

  /** Where the last `find` that found nothing stopped: the key's hash and free slot. */
  private missHash = 0;
  private missSlot = 0;

  /** The number of the key `dv[s..e)` (a view of the buffer the key was read into), or -1 when the table does not hold it. */
  find(dv: DataView, s: number, e: number): number {
    // Rows come in runs: the last key is the likely one; bill items alternate among a few.
    const last = this.lastId;
    if (last >= 0) {
      if (this.same(dv, s, e, last)) return last;
      // Files repeat their order (day after day, the same SIMs in the same order): the key
      // that followed this one last time is the likely next one.
      const next = this.succ[last] as number;
      if (next >= 0 && this.same(dv, s, e, next)) {
        this.lastId = next;
        return next;
      }
    }
    if (this.alternating) {
      const recent = this.recent;
      for (let r = 0; r < 4; r++) {
        const k = recent[r] as number;
        if (k >= 0 && k !== last && this.same(dv, s, e, k)) {
          this.follow(last, k);
          return k;
        }
      }
    }
    let h = 0x811c9dc5 ^ (e - s);
    let i = s;
    for (; i + 4 <= e; i += 4) h = Math.imul((h << 5) ^ (h >>> 27) ^ dv.getInt32(i, true), 0x01000193);
    for (; i < e; i++) h = Math.imul(h ^ dv.getUint8(i), 0x01000193);
    h ^= h >>> 15;
    if (this.mask < 0) this.rehash();
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const v = this.slots[slot] as number;
      if (v === EMPTY) break;
      const k = v - 1;
      if (this.hashes[k] === h && this.same(dv, s, e, k)) {
        this.follow(last, k);
        this.remember(k);
        return k;
      }
      slot = (slot + 1) & mask;
    }
    this.missHash = h;
    this.missSlot = slot;
    return -1;
  }

  /** The number of the key `dv[s..e)`, added when new (past the cap: the "other" key). */
  id(dv: DataView, s: number, e: number): number {
    const found = this.find(dv, s, e);
    return found >= 0 ? found : this.addMissed(dv, s, e);
  }

  /** Adds `dv[s..e)` right after a `find` of it found nothing (past the cap: the "other" key). */
  addMissed(dv: DataView, s: number, e: number): number {
    if (this.count >= this.cap) return this.otherId();
    const last = this.lastId;
    const k = this.add(dv, s, e, this.missHash, this.missSlot);
    this.follow(last, k);
    this.remember(k);
    return k;
  }

  /** `k` came after `last`. */
  private follow(last: number, k: number): void {
    if (last >= 0) this.succ[last] = k;
    this.lastId = k;
  }

  private remember(k: number): void {
    this.recent[this.recentAt] = k;
    this.recentAt = (this.recentAt + 1) & 3;
  }

  /** The number rows past the cap are counted under. */
  otherId(): number {
    if (this.other < 0) this.other = this.add(viewOf(Buffer.from(otherKey)), 0, otherKey.length, -1, -1);
    return this.other;
  }

  /** The keys as bytes, for posting between threads. */
  pack(): PackedKeys {
    return {
      bytes: new Uint8Array(this.arena.subarray(0, this.used)),
      offs: this.offs.slice(0, this.count),
      lens: this.lens.slice(0, this.count),
      hashes: this.hashes.slice(0, this.count),
      other: this.other,
      ...(this.mask < 0 ? {} : { slots: this.slots.slice() }),
    };
  }

  /**
   * The numbers in this table of packed keys (from another table). With `keep`, only the keys it
   * marks get a number of their own (added past the cap: the caller bounds them), the others the
   * "other" key's.
   */
  idsOf(p: PackedKeys, keep?: Uint8Array): Int32Array {
    const view = viewOf(p.bytes);
    const ids = new Int32Array(p.offs.length);
    let next = 0;
    for (let k = 0; k < ids.length; k++) {
      const o = p.offs[k] as number;
      const e = o + (p.lens[k] as number);
      // Two parts of one file list their keys in much the same order: the key after the one
      // found last is tried before hashing.
      let id: number;
      if (k === p.other || (keep !== undefined && keep[k] !== 1)) id = this.otherId();
      else if (next < this.count && next !== this.other && this.same(view, o, e, next)) id = next;
      else if (keep === undefined) id = this.id(view, o, e);
      else {
        id = this.find(view, o, e);
        if (id < 0) id = this.add(view, o, e, this.missHash, this.missSlot);
      }
      ids[k] = id;
      next = id + 1;
    }
    return ids;
  }

  /**
   * Which keys of each of `parts` (the same table of several parts of the totals) may keep their
   * own total once the parts are added up; undefined when every key may (no part went past the
   * cap). A part past the cap counted some keys under "other", on a first-come basis: a key
   * keeps its own total only if every such part named it, so that no named total misses rows.
   */
  static kept(parts: (PackedKeys | undefined)[]): (Uint8Array | undefined)[] | undefined {
    const over = parts.filter((p): p is PackedKeys => p !== undefined && p.other >= 0);
    const first = over[0];
    if (first === undefined) return undefined;
    const named = KeyTable.fromPacked(first, Infinity);
    const seen = new Int32Array(named.count);
    const each = (p: PackedKeys, f: (k: number, id: number) => void) => {
      const view = viewOf(p.bytes);
      for (let k = 0; k < p.offs.length; k++) {
        if (k === p.other) continue;
        const o = p.offs[k] as number;
        const id = named.find(view, o, o + (p.lens[k] as number));
        if (id >= 0 && id !== named.other) f(k, id);
      }
    };
    for (const p of over) each(p, (_, id) => (seen[id] = (seen[id] as number) + 1));
    return parts.map((p) => {
      if (p === undefined) return undefined;
      const keep = new Uint8Array(p.offs.length);
      each(p, (k, id) => (keep[k] = seen[id] === over.length ? 1 : 0));
      return keep;
    });
  }

  /** The number of a key given as text. */
  idOf(text: string): number {
    const b = Buffer.from(text, 'utf8');
    return this.id(viewOf(b), 0, b.length);
  }

  private add(dv: DataView, s: number, e: number, h: number, slot: number): number {
    const len = e - s;
    const k = this.count++;
    if (k >= this.offs.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(Math.max(16, a.length * 2));
        b.set(a);
        return b;
      };
      this.offs = grow(this.offs);
      this.lens = grow(this.lens);
      this.hashes = grow(this.hashes);
      const succ = new Int32Array(Math.max(16, this.succ.length * 2)).fill(-1);
      succ.set(this.succ);
      this.succ = succ;
    }
    if (this.used + len > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + len));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
      this.arenaView = viewOf(bigger);
    }
    // Keys are short: copied here rather than through Buffer#copy, whose code every new thread
    // would otherwise compile for this.
    const arena = this.arenaView;
    let o = this.used;
    let i = s;
    for (; i + 4 <= e; i += 4, o += 4) arena.setInt32(o, dv.getInt32(i, true), true);
    for (; i < e; i++, o++) arena.setUint8(o, dv.getUint8(i));
    this.offs[k] = this.used;
    this.lens[k] = len;
    this.hashes[k] = h;
    this.used += len;
    if (slot >= 0) {
      this.slots[slot] = k + 1;
      if (this.count * 2 > this.slots.length) this.rehash();
    }
    return k;
  }

  /** A hash index twice as large (or, when there is none yet, one for the keys held). */
  private rehash(): void {
    const size = this.mask < 0 ? 1 << Math.ceil(Math.log2(Math.max(16, this.count * 2 + 2))) : this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < this.count; k++) {
      if (k === this.other) continue;
      let slot = (this.hashes[k] as number) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = k + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** The text of key `k` (UTF-8). */
  text(k: number): string {
    const o = this.offs[k] as number;
    return this.arena.toString('utf8', o, o + (this.lens[k] as number));
  }

  /** `texts()` as last computed, while no key was added since. */
  private textsMade: string[] | undefined;

  /** Every key's text, by number (the same array until a key is added: not to be changed). */
  texts(): string[] {
    if (this.textsMade?.length === this.count) return this.textsMade;
    const out = new Array<string>(this.count);
    this.textsMade = out;
    const bytes = this.arena.subarray(0, this.used);
    if (isAscii(bytes)) {
      // One decoded string, cut into keys (a byte is a character).
      const all = bytes.toString('latin1');
      for (let k = 0; k < this.count; k++) {
        const o = this.offs[k] as number;
        out[k] = all.slice(o, o + (this.lens[k] as number));
      }
      return out;
    }
    for (let k = 0; k < this.count; k++) out[k] = this.text(k);
    return out;
  }

  /**
   * Whether every key is UTF-8 (a file saved as Shift_JIS or Latin-1 has keys that are not).
   * Checked on the keys, once, not on every row: all the keys together are UTF-8, and each one
   * starts a character (so none is a piece of one character cut across two keys).
   */
  isUtf8(): boolean {
    const bytes = this.arena.subarray(0, this.used);
    if (isAscii(bytes)) return true;
    if (!isUtf8(bytes)) return false;
    for (let k = 0; k < this.count; k++) if ((this.lens[k] as number) > 0 && ((bytes[this.offs[k] as number] as number) & 0xc0) === 0x80) return false;
    return true;
  }
}

/** Spreads an integer key over all 32 bits (pair keys are multiples of a power of two plus a little). */
function mix(key: number): number {
  let h = (key | 0) ^ ((key / 4294967296) | 0);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/**
 * Exact sums of scaled integer amounts by a small integer key (a key number, or a pair of them
 * as `a * width + b`), in an open-addressing table over typed arrays.
 */
export class Sums {
  keys: Float64Array;
  amounts: Float64Array;
  rows: Float64Array;
  private slots: Int32Array;
  private mask: number;
  count = 0;
  private lastKey = -1;
  private lastIndex = -1;

  /** Pair sums past the cap: the keys (`key / width`) some of whose rows were summed under -1. */
  lost: Set<number> | undefined;

  constructor(
    initial = 64,
    /** Past this many keys, new keys are summed under -1. */
    private readonly cap = Infinity,
    /** Keys are `k * width + month`: past the cap, `k` is noted in `lost` (0: not noted). */
    private readonly width = 0,
  ) {
    const size = 1 << Math.ceil(Math.log2(Math.max(16, initial * 2)));
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.keys = new Float64Array(initial);
    this.amounts = new Float64Array(initial);
    this.rows = new Float64Array(initial);
  }

  /** Sums holding packed sums, sharing their memory; the hash index is built on first lookup. */
  static fromPacked(p: PackedSums, cap = Infinity, width = 0): Sums {
    const s = new Sums(0, cap, width);
    if (p.lost) s.lost = new Set(p.lost);
    s.keys = p.keys;
    s.amounts = p.amounts;
    s.rows = p.rows;
    s.count = p.keys.length;
    s.mask = -1;
    return s;
  }

  add(key: number, amount: number): void {
    let i: number;
    if (key === this.lastKey) i = this.lastIndex;
    else {
      i = this.indexOf(key);
      this.lastKey = key;
      this.lastIndex = i;
    }
    this.amounts[i] = (this.amounts[i] as number) + amount;
    this.rows[i] = (this.rows[i] as number) + 1;
  }

  /** Notes that some rows of `k` were summed under -1. */
  lose(k: number): void {
    (this.lost ??= new Set()).add(k);
  }

  /** Whether `key` has a sum. */
  has(key: number): boolean {
    if (this.mask < 0) this.rehash();
    const mask = this.mask;
    let slot = mix(key) & mask;
    for (;;) {
      const v = this.slots[slot] as number;
      if (v === EMPTY) return false;
      if (this.keys[v - 1] === key) return true;
      slot = (slot + 1) & mask;
    }
  }

  /** Adds a whole sum (merging). */
  addSum(key: number, amount: number, rows: number): void {
    const i = this.indexOf(key);
    this.amounts[i] = (this.amounts[i] as number) + amount;
    this.rows[i] = (this.rows[i] as number) + rows;
  }

  /** Where `addSumInOrder` looks first: after the key it added to last. */
  private cursor = 0;

  /**
   * `addSum`, trying first the key after the one added to last: the sums of two parts of one
   * file list their keys in much the same order, so most keys are found without a lookup.
   */
  addSumInOrder(key: number, amount: number, rows: number): void {
    let i = this.cursor;
    if (!(i < this.count && this.keys[i] === key)) i = this.indexOf(key);
    this.amounts[i] = (this.amounts[i] as number) + amount;
    this.rows[i] = (this.rows[i] as number) + rows;
    this.cursor = i + 1;
  }

  private indexOf(key: number): number {
    if (this.mask < 0) this.rehash();
    const mask = this.mask;
    let slot = mix(key) & mask;
    for (;;) {
      const v = this.slots[slot] as number;
      if (v === EMPTY) break;
      if (this.keys[v - 1] === key) return v - 1;
      slot = (slot + 1) & mask;
    }
    if (this.count >= this.cap && key !== -1) {
      if (this.width > 0) this.lose(Math.floor(key / this.width));
      return this.indexOf(-1);
    }
    const i = this.count++;
    if (i >= this.keys.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(Math.max(16, a.length * 2));
        b.set(a);
        return b;
      };
      this.keys = grow(this.keys);
      this.amounts = grow(this.amounts);
      this.rows = grow(this.rows);
    }
    this.keys[i] = key;
    this.amounts[i] = 0;
    this.rows[i] = 0;
    this.slots[slot] = i + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return i;
  }

  /** The keys the index is made for when it is built again (see `reserve`). */
  private indexFor = 0;

  private rehash(size = this.mask < 0 ? 1 << Math.ceil(Math.log2(Math.max(16, Math.max(this.count, this.indexFor) * 2 + 2))) : this.slots.length * 2): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      const key = this.keys[i] as number;
      let slot = mix(key) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
    this.lastKey = -1;
  }

  /** Makes room for `n` more keys at once (merging). */
  reserve(n: number): void {
    const want = Math.min(this.count + n, this.cap === Infinity ? this.count + n : this.cap + 1);
    if (want > this.keys.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(want);
        b.set(a);
        return b;
      };
      this.keys = grow(this.keys);
      this.amounts = grow(this.amounts);
      this.rows = grow(this.rows);
    }
    // Without an index (packed sums taken over, or keys appended) it is built at the first
    // lookup, for this many keys; merging often never looks one up (see `addSumInOrder`).
    if (this.mask < 0) this.indexFor = Math.max(this.indexFor, want);
    else if (want * 2 > this.slots.length) this.rehash(1 << Math.ceil(Math.log2(want * 2 + 1)));
  }

  /**
   * Room for `n` keys known to be new, added with `append` without a lookup (the hash index is
   * built again on the next lookup); false when they would pass the cap.
   */
  beginAppend(n: number): boolean {
    if (this.count + n > this.cap) return false;
    if (this.count + n > this.keys.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(this.count + n);
        b.set(a);
        return b;
      };
      this.keys = grow(this.keys);
      this.amounts = grow(this.amounts);
      this.rows = grow(this.rows);
    }
    this.mask = -1;
    this.lastKey = -1;
    return true;
  }

  /** Adds a key known to be new, after `beginAppend` made room for it. */
  append(key: number, amount: number, rows: number): void {
    const i = this.count++;
    this.keys[i] = key;
    this.amounts[i] = amount;
    this.rows[i] = rows;
  }

  /** Multiplies every sum by `factor` (a finer decimal scale was seen). */
  rescale(factor: number): void {
    for (let i = 0; i < this.count; i++) this.amounts[i] = (this.amounts[i] as number) * factor;
  }

  /** Compact copy for posting between threads. */
  pack(): PackedSums {
    return {
      keys: this.keys.slice(0, this.count),
      amounts: this.amounts.slice(0, this.count),
      rows: this.rows.slice(0, this.count),
      ...(this.lost ? { lost: Float64Array.from(this.lost) } : {}),
    };
  }
}

/**
 * Sums by key number for the current month, in one plain array (amount and row count side by
 * side, no hashing per row); `flush` moves them into the month's pair sums when the month
 * changes and at the end.
 */
export class Dense {
  /** Amount of key `k` at `2k`, its rows at `2k + 1`. */
  sums = new Float64Array(128);
  touched = new Int32Array(64);
  touchedCount = 0;

  add(k: number, amount: number): void {
    this.addRows(k, amount, 1);
  }

  /** Room for key `k`, so adding to it never grows the arrays. */
  ensure(k: number): void {
    if (2 * k + 1 >= this.sums.length) this.grow(2 * k);
  }

  addRows(k: number, amount: number, rows: number): void {
    const at = k * 2;
    if (at >= this.sums.length) this.grow(at);
    const sums = this.sums;
    const r = sums[at + 1] as number;
    if (r === 0) {
      if (this.touchedCount === this.touched.length) {
        const t = new Int32Array(this.touched.length * 2);
        t.set(this.touched);
        this.touched = t;
      }
      this.touched[this.touchedCount++] = k;
    }
    sums[at + 1] = r + rows;
    sums[at] = (sums[at] as number) + amount;
  }

  private grow(at: number): void {
    let size = this.sums.length;
    while (size <= at + 1) size *= 2;
    const a = new Float64Array(size);
    a.set(this.sums);
    this.sums = a;
    // A key is touched at most once between flushes.
    if (this.touched.length < size / 2) {
      const t = new Int32Array(size / 2);
      t.set(this.touched.subarray(0, this.touchedCount));
      this.touched = t;
    }
  }

  /** Multiplies every sum by `factor` (a finer decimal scale was seen). */
  rescale(factor: number): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const at = 2 * (this.touched[i] as number);
      this.sums[at] = (this.sums[at] as number) * factor;
    }
  }

  /**
   * Adds every sum to `into` under `k * width + month`, and starts again from zero. `fresh`:
   * `into` has no key of this month yet, so every key is appended without a lookup.
   */
  flush(into: Sums, width: number, month: number, fresh = false): void {
    const sums = this.sums;
    const append = fresh && into.beginAppend(this.touchedCount);
    // Room for every key at once: one larger index instead of one per doubling.
    if (!append) into.reserve(this.touchedCount);
    for (let i = 0; i < this.touchedCount; i++) {
      const k = this.touched[i] as number;
      const key = k * width + month;
      if (append) into.append(key, sums[2 * k] as number, sums[2 * k + 1] as number);
      else into.addSum(key, sums[2 * k] as number, sums[2 * k + 1] as number);
      sums[2 * k] = 0;
      sums[2 * k + 1] = 0;
    }
    this.touchedCount = 0;
  }
}

/**
 * Numbers for tuples of `width` key numbers (a device with its tag and group values), so a row
 * adds to one sum instead of one per column. Past `cap` tuples, `id` answers -1.
 */
export class TupleTable {
  private tuples: Int32Array;
  private slots: Int32Array;
  private mask: number;
  count = 0;

  constructor(
    readonly width: number,
    readonly cap: number,
  ) {
    this.tuples = new Int32Array(1024 * width);
    this.slots = new Int32Array(2048);
    this.mask = 2047;
  }

  private hash(t: Int32Array, from: number): number {
    let h = 0x9e3779b9;
    for (let i = 0; i < this.width; i++) h = Math.imul(h ^ (t[from + i] as number), 0x85ebca6b) ^ (h >>> 13);
    return h ^ (h >>> 16);
  }

  /** The number of the tuple in `t[0..width)`, or -1 when the table does not hold it. */
  find(t: Int32Array): number {
    const width = this.width;
    const tuples = this.tuples;
    let slot = this.hash(t, 0) & this.mask;
    for (;;) {
      const v = this.slots[slot] as number;
      if (v === 0) break;
      const at = (v - 1) * width;
      let i = 0;
      while (i < width && tuples[at + i] === t[i]) i++;
      if (i === width) return v - 1;
      slot = (slot + 1) & this.mask;
    }
    this.missSlot = slot;
    return -1;
  }

  private missSlot = 0;

  /** The number of the tuple in `t[0..width)`, added when new; -1 past the cap. */
  id(t: Int32Array): number {
    const found = this.find(t);
    return found >= 0 ? found : this.addMissed(t);
  }

  /** Adds the tuple in `t[0..width)` right after a `find` of it found nothing; -1 past the cap. */
  addMissed(t: Int32Array): number {
    const slot = this.missSlot;
    if (this.count >= this.cap) return -1;
    const width = this.width;
    const k = this.count++;
    if ((k + 1) * width > this.tuples.length) {
      const grown = new Int32Array(this.tuples.length * 2);
      grown.set(this.tuples);
      this.tuples = grown;
    }
    this.tuples.set(t.subarray(0, width), k * width);
    this.slots[slot] = k + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return k;
  }

  /** Element `i` of tuple `k`. */
  at(k: number, i: number): number {
    return this.tuples[k * this.width + i] as number;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < this.count; k++) {
      let slot = this.hash(this.tuples, k * this.width) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = k + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

export interface PackedKeys {
  bytes: Uint8Array;
  offs: Int32Array;
  lens: Int32Array;
  hashes: Int32Array;
  /** The number of the "other" key, or -1. */
  other: number;
  /** The hash index (key number + 1, or 0), taken over by the table that adopts these keys. */
  slots?: Int32Array;
}

export interface PackedSums {
  keys: Float64Array;
  amounts: Float64Array;
  rows: Float64Array;
  /** See `Sums.lost`. */
  lost?: Float64Array;
}
