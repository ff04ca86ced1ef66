import type { Money } from '../money';

/** Why a record of a reviewed CSV is not counted. */
export type ReviewMalformedReason = 'unterminated-quote' | 'invalid-quotes' | 'field-count' | 'date' | 'amount' | 'too-long';

/** One well-formed data row of a reviewed CSV. */
export interface ReviewRow {
  /** 0-based number among the file's well-formed rows. */
  n: number;
  /** 1-based line where the record starts (the header is line 1). */
  line: number;
  /** Every field, in header order; IMSIs and other ids stay text. */
  cells: string[];
}

/** A file opened for review; its totals come later from `review.summary`. */
export interface ReviewOpened {
  sessionId: string;
  fileName: string;
  path: string;
  size: number;
  /** Header names as written. */
  columns: string[];
  /** Which columns the totals use, by header name. */
  roles: { date: string; item: string; amount: string; device?: string; groups: string[] };
  /** The first page of rows, read before the whole file is summarized. */
  firstRows: ReviewRow[];
  /** Milliseconds from the call to the first rows being ready. */
  firstRowsMs: number;
  /** `task.progress` events with this id report the summary's progress in bytes. */
  taskId: string;
}

/** An exact sum: `amount` is a decimal string in major units (no rounding, no float). */
export interface ReviewTotal {
  key: string;
  amount: string;
  rows: number;
}

export interface ReviewColumnTotals {
  /** Header name of the column. */
  column: string;
  /** The largest totals (by absolute amount), at most the requested number. */
  top: ReviewTotal[];
  /** Distinct values in the column. */
  distinct: number;
  /** The values not in `top`, summed. */
  others?: { values: number; amount: string; rows: number };
}

export interface ReviewSummary {
  sessionId: string;
  /** Well-formed data rows: the ones the totals count. */
  rows: number;
  /** Records left out of every total (see `review.malformed`). */
  malformedRows: number;
  /** Empty lines, skipped. */
  blankLines: number;
  total: string;
  /** The file does not say its currency: this is the assumption, until a bill says otherwise. */
  currency: { code: string; source: 'default'; note: string };
  /** Every yyyyMM in the dates, oldest first. */
  months: string[];
  /** The file's month when all rows are in one. */
  month?: string;
  /** By bill item, largest first. */
  byItem: ReviewTotal[];
  /** Rows dated yyyyMMdd, by day, oldest first. */
  byDay: ReviewTotal[];
  /** Rows dated yyyyMM (monthly fees, free tier, discounts), by month. */
  monthlyRows: ReviewTotal[];
  /** By the device column (IMSI), when the file has one. Empty key: rows not tied to a device. */
  byDevice?: ReviewColumnTotals;
  /** By each tag and group column. Empty key: rows without a value. */
  byGroup: ReviewColumnTotals[];
  /**
   * The totals that met more distinct keys than Billfold keeps, in words ("More than 200,000
   * SIMs: the rest are counted under (other)."); absent when none did.
   */
  capsReached?: string[];
  /** Time to the full summary. */
  ms: number;
  /** Worker threads used. */
  workers: number;
  /** What the reader should know about the file as a whole (it is not UTF-8), shown beside the totals. */
  notes: string[];
}

export interface ReviewRowsPage {
  /** Rows in the table: all well-formed rows, or those matching the filter. */
  total: number;
  offset: number;
  rows: ReviewRow[];
}

export interface ReviewMalformedRow {
  line: number;
  reason: ReviewMalformedReason;
  detail: string;
  /** The record's text (at most 500 characters). */
  raw: string;
  truncated: boolean;
}

export interface ReviewMalformedPage {
  /** All malformed records. */
  total: number;
  /** How many are kept with their text (the first ones). */
  listed: number;
  rows: ReviewMalformedRow[];
}

export interface ReviewBillMatch {
  accountId: string;
  accountName: string;
  /** `live`: fetched now; `offline`: the account's last synced answer. */
  source: 'live' | 'offline';
  syncedAt?: string;
  bill: Money;
  state?: string;
  /** The CSV's total in the bill's currency. */
  csvTotal: Money;
  /** The CSV total had more decimals than the currency and was rounded. */
  csvRounded: boolean;
  /** csvTotal - bill. */
  difference: Money;
}

export interface ReviewReconciliation {
  /** yyyyMM of the file, when known. */
  month?: string;
  /** Why nothing could be compared, in words. */
  reason?: string;
  matches: ReviewBillMatch[];
  /** Soracom accounts whose bill for the month could not be had, with why. */
  unavailable: { accountId: string; accountName: string; message: string }[];
}
