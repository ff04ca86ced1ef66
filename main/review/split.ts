/**
 * The byte ranges of one file being summed by several threads, in memory they all share, so that
 * a thread done with its range takes the second half of what another has not read yet. A file
 * cut in equal halves otherwise ends as late as its slower half: a thread that started later, or
 * whose core is busier, holds the summary up while the other one waits.
 *
 * Each range has a cell: how far its thread has read (`claimed`) and where it stops (`end`). A
 * thread claims bytes before reading them, and a range is only ever cut after what is claimed,
 * so a thread never sums a record that another range holds. A cut range stops at the first
 * record starting at or after the cut; the new range starts at the first line start from there.
 */

/** Cells one board holds: the first ranges and every cut after them. */
export const boardCapacity = 64;
/** Int32 slots: the lock and the number of cells in use. */
const header = 2;
/** Float64 slots per cell: claimed, end, done. */
const cellSlots = 3;

/**
 * An offset read from the shared memory as the small integer it is. Read from a Float64Array it
 * is a boxed double, and the first boxed double stored in a field that held small integers (a
 * reader's offsets) changes the object's shape: the row loop, compiled for the old shape, would be
 * thrown away and compiled again for each range taken.
 */
const small = (offset: number) => (offset <= 0x3fffffff ? offset | 0 : offset);

export interface SharedRange {
  /** The shared memory of a `SplitBoard`. */
  board: SharedArrayBuffer;
  cell: number;
}

export class SplitBoard {
  private readonly lockAndCount: Int32Array;
  private readonly cells: Float64Array;

  /** A board for `ranges` (cells 0, 1, …), or the board behind `memory`. */
  constructor(memory: SharedArrayBuffer | { start: number; end: number }[]) {
    const buffer = memory instanceof SharedArrayBuffer ? memory : new SharedArrayBuffer(8 * (1 + boardCapacity * cellSlots));
    this.lockAndCount = new Int32Array(buffer, 0, header);
    this.cells = new Float64Array(buffer, 8, boardCapacity * cellSlots);
    if (!(memory instanceof SharedArrayBuffer)) {
      if (memory.length > boardCapacity) throw new RangeError(`A board holds at most ${boardCapacity} ranges.`);
      memory.forEach((r, i) => this.set(i, r.start, r.end));
      this.lockAndCount[1] = memory.length;
    }
  }

  get memory(): SharedArrayBuffer {
    return this.lockAndCount.buffer as SharedArrayBuffer;
  }

  /** Bytes up to `upTo` of the range in `cell` are its thread's; where the range ends now. */
  claim(cell: number, upTo: number): number {
    return this.locked(() => {
      const at = cell * cellSlots;
      if (upTo > (this.cells[at] as number)) this.cells[at] = upTo;
      return this.cells[at + 1] as number;
    });
  }

  /** The range in `cell` is summed: nothing is left in it to take. */
  done(cell: number): void {
    this.locked(() => {
      this.cells[cell * cellSlots + 2] = 1;
    });
  }

  /**
   * Cuts the range with the most bytes nobody has claimed yet in two, when that is at least twice
   * `minBytes`, and gives the second half a cell: where it starts (a split point, not a record
   * start) and ends, or undefined when no range has that much left.
   */
  take(minBytes: number): (SharedRange & { start: number; end: number }) | undefined {
    return this.locked(() => {
      const count = this.lockAndCount[1] as number;
      if (count >= boardCapacity) return undefined;
      let best = -1;
      let bestLeft = 2 * Math.max(1, minBytes) - 1;
      for (let c = 0; c < count; c++) {
        const at = c * cellSlots;
        const left = (this.cells[at + 1] as number) - (this.cells[at] as number);
        if (this.cells[at + 2] === 0 && left > bestLeft) {
          best = c;
          bestLeft = left;
        }
      }
      if (best < 0) return undefined;
      const at = best * cellSlots;
      const end = this.cells[at + 1] as number;
      const start = (this.cells[at] as number) + Math.floor(bestLeft / 2);
      this.cells[at + 1] = start;
      this.set(count, start, end);
      this.lockAndCount[1] = count + 1;
      return { board: this.memory, cell: count, start: small(start), end: small(end) };
    });
  }

  private set(cell: number, start: number, end: number): void {
    const at = cell * cellSlots;
    this.cells[at] = start;
    this.cells[at + 1] = end;
    this.cells[at + 2] = 0;
  }

  /**
   * Runs `f` holding the board's lock. It is held for a few reads and writes, so it is waited for
   * by spinning, then in steps of a millisecond (its holder's core may be taken for a while); a
   * thread stopped while holding it (a review closed) would hold it for ever, so after ten
   * seconds the wait fails instead of spinning on.
   */
  private locked<T>(f: () => T): T {
    for (let tries = 0; Atomics.compareExchange(this.lockAndCount, 0, 0, 1) !== 0; tries++) {
      if (tries < 1000) continue;
      if (tries > 1000 + 10_000) throw new Error('A review thread stopped while sharing out the file.');
      Atomics.wait(this.lockAndCount, 0, 1, 1);
    }
    try {
      return f();
    } finally {
      Atomics.store(this.lockAndCount, 0, 0);
    }
  }
}
