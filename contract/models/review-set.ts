/**
 * Several detailed Soracom exports reviewed as one: totals per month (from each row's date),
 * every SIM's cost per month, tags and groups per month, and what changed between two months.
 * Amounts are exact decimal strings in major units, as in a single-file review.
 */
import type { ReviewMalformedReason } from './review';
import { preliminaryBill, type SoracomBillState } from './soracom';

/** How a file of a set was used. */
export type ReviewSetFileState =
  /** Every month of the file is counted. */
  | 'used'
  /** Some of its months are counted; the others were already open from another file. */
  | 'partly'
  /** None of its months is counted: each was already open from another file. */
  | 'repeats'
  /** The same file (same bytes) as another file of the set; counted once. */
  | 'duplicate'
  /** It has no well-formed row with a date. */
  | 'empty'
  /** It could not be read (see `error`). */
  | 'failed';

export interface ReviewSetFile {
  /** Library id, when the file was opened from the library. */
  libraryId?: string;
  /** When the library saved it: the figures of a month that was still open are those of that time. */
  savedAt?: string;
  fileName: string;
  size: number;
  state: ReviewSetFileState;
  /** Every yyyyMM of its rows' dates. */
  months: string[];
  /** The months counted from this file. */
  usedMonths: string[];
  /** Months already open from another file, and which one. */
  repeated: { month: string; openIn: string }[];
  /** For a duplicate: the file it is the same as. */
  duplicateOf?: string;
  rows: number;
  malformedRows: number;
  /** The file's own total (all its rows), even where months were not counted. */
  total: string;
  /** Some of its names are not UTF-8 (it was saved as Shift_JIS or Latin-1): they may read garbled. */
  notUtf8?: true;
  error?: { code: string; message: string };
}

/** The progress of opening a set: `task.progress` events with `taskId`. */
export interface ReviewSetOpened {
  setId: string;
  taskId: string;
  files: { fileName: string; size: number }[];
}

/** One line of a table by month: an amount per month of the set (same order as `months`). */
export interface ReviewMonthlyLine {
  key: string;
  amounts: string[];
  total: string;
  rows: number;
}

export interface ReviewSetSummary {
  setId: string;
  files: ReviewSetFile[];
  /** The months of the counted rows, oldest first (yyyyMM). */
  months: string[];
  /** The total of each month (same order as `months`). */
  monthTotals: string[];
  total: string;
  /** Rows counted (malformed rows never are). */
  rows: number;
  malformedRows: number;
  /** Per bill item, per month; largest total first. */
  byItem: ReviewMonthlyLine[];
  /** The device column (`imsi`) when the files have one. */
  deviceColumn?: string;
  /** Distinct devices (SIMs); the empty key (account-level rows) counts as one. */
  devices: number;
  /** Tag and group columns, by header name, across the files. */
  groupColumns: string[];
  /** Per tag/group column, per value, per month; largest total first. Empty key: rows without a value. */
  byGroup: { column: string; lines: ReviewMonthlyLine[] }[];
  /** The currency of each month, from the account's bills; never one figure across currencies. */
  currency: ReviewSetCurrency;
  /**
   * The totals of a counted file that met more distinct keys than Billfold keeps, in words with
   * the file ("billing.csv: More than 200,000 SIMs: the rest are counted under (other)."); absent
   * when none did.
   */
  capsReached?: string[];
  ms: number;
  /** What the reader should know about the files as a whole (some are not UTF-8), shown beside the totals. */
  notes: string[];
}

/** Where a month's currency comes from: the bill of that month of the account the files were saved for. */
export interface ReviewSetMonthCurrency {
  month: string;
  /** ISO 4217 code; absent when unknown (loose files, or no bill for the month). */
  code?: string;
  /** `live`: the bill fetched now; `offline`: the account's last synced bill. */
  source?: 'live' | 'offline';
  /** The bill's state: `temporary` while the month is still open and its amounts may change. */
  state?: SoracomBillState;
  accountName?: string;
  /** Why the currency is unknown. */
  reason?: string;
}

export interface ReviewSetCurrency {
  /** The one currency of every month; absent when some month's is unknown or they differ. */
  code?: string;
  /** Months in more than one currency (or some known and some not): totals across them are per currency. */
  mixed: boolean;
  /** Each month of `months`, same order. */
  months: ReviewSetMonthCurrency[];
  /** The total per currency (absent code: currency unknown), in order of the first month in it. */
  totals: { code?: string; months: string[]; total: string }[];
  /** Said where the amounts are shown. */
  note: string;
}

/** The currency of one month; undefined when unknown. */
export function currencyOfMonth(c: ReviewSetCurrency, month: string): string | undefined {
  return c.months.find((m) => m.month === month)?.code;
}

/** The first instant after a month (yyyyMM), in ms, as Soracom's billing months end: at midnight UTC. */
export function monthEndMs(yyyyMM: string): number {
  return Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4)), 1);
}

/** Whether the month's bill says the month is still open (preliminary): its figures may still change. */
export function isOpenMonth(c: ReviewSetCurrency, month: string): boolean {
  return preliminaryBill(c.months.find((m) => m.month === month)?.state) !== undefined;
}

/** The one currency of these months, or `mixed` when they have different ones (unknown counts as one). */
export function currencyOfMonths(c: ReviewSetCurrency, months: readonly string[]): { code?: string; mixed: boolean } {
  const codes = new Set(months.map((m) => currencyOfMonth(c, m) ?? ''));
  if (codes.size > 1) return { mixed: true };
  const [code] = codes;
  return code ? { code, mixed: false } : { mixed: false };
}

/** Said beside a figure (or after a CSV header) that adds months of different currencies. */
export const mixedCurrencies = 'mixed currencies';

/** A malformed row of one file of the set (see ReviewMalformedRow). */
export interface ReviewSetMalformedRow {
  fileName: string;
  line: number;
  reason: ReviewMalformedReason;
  detail: string;
  /** The record's text (at most 500 characters). */
  raw: string;
  truncated: boolean;
}

export interface ReviewSetMalformedPage {
  /** All malformed records of the set's files. */
  total: number;
  /** How many are kept with their text (each file's first ones, up to a bound). */
  listed: number;
  rows: ReviewSetMalformedRow[];
}

/** The set's tables `reviewSet.saveCsv` writes. */
export type ReviewSetTable = 'byItem' | 'byGroup' | 'devices' | 'changeByItem' | 'changeByGroup' | 'movers';

/** One SIM's cost per month. */
export interface ReviewSetDevice {
  /** The device id (IMSI); empty for account-level rows. */
  key: string;
  /** Its tag/group values (same order as `groupColumns`) in the latest month's file: per column, the value on most of its rows there. */
  groups: string[];
  /** Amount per month of the set (same order as `months`); "0" where it had no rows. */
  amounts: string[];
  /** Which months it has rows in (same order as `months`). */
  present: boolean[];
  total: string;
  /** The amount in the later of the compared months. */
  last: string;
  /** Later compared month minus the earlier one. */
  change: string;
}

export type ReviewSetDeviceSort = 'total' | 'last' | 'change' | 'key';

export interface ReviewSetDevicePage {
  /** Devices matching the filter. */
  total: number;
  offset: number;
  rows: ReviewSetDevice[];
  /** The compared months (`change` = to − from). */
  from?: string;
  to: string;
  /** The sum of `change` over every matching device. */
  sumOfChanges: string;
}

/** One line of "What changed". */
export interface ReviewChange {
  key: string;
  from: string;
  to: string;
  /** to − from */
  change: string;
  /** The month the key has no rows in (a SIM that appeared or went away); its amount there is "0". */
  absent?: 'from' | 'to';
}

export interface ReviewChangeTable {
  lines: ReviewChange[];
  /** The sum of the changes: equals `difference`. */
  sum: string;
}

export interface ReviewChanges {
  from: string;
  to: string;
  fromTotal: string;
  toTotal: string;
  /** toTotal − fromTotal. */
  difference: string;
  byItem: ReviewChangeTable;
  /** Per tag/group column; values by largest change first. */
  byGroup: ({ column: string } & ReviewChangeTable)[];
  /** SIMs (and the account-level rows) whose amount changed, with the sum of every change. */
  devices: { changed: number; appeared: number; gone: number; sum: string };
  /** The ten largest changes by SIM (by size, either way). */
  topMovers: ReviewChange[];
}

/** "Compare with the previous month": the exports it needed, saved or found in the library. */
export interface ReviewFetchedMonths {
  /** Library ids of the exports, oldest month first. */
  libraryIds: string[];
  /** Months exported and saved now. */
  fetched: string[];
  /** Months already in the library. */
  reused: string[];
}
