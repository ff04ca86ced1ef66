import { AppError } from '../http/errors';

/**
 * A period of whole calendar months in UTC: `2026-10` (one month) or `2026-Q3` (three), or a
 * range of months for the FOCUS export. Periods are half-open: [start, end).
 */
export interface Period {
  /** `2026-10`, `2026-Q3`, or `2026-01 to 2026-03`. */
  label: string;
  /** yyyyMM of every month in it, oldest first. */
  months: string[];
  /** ISO 8601 UTC, inclusive. */
  start: string;
  /** ISO 8601 UTC, exclusive: the first instant after the period. */
  end: string;
}

export const periodPattern = /^(\d{4})-(0[1-9]|1[0-2]|Q[1-4])$/;
export const monthPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The years a period may be in: those of the providers' bills (their months are 20yy). */
export const firstYear = 2000;
export const lastYear = 2099;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Milliseconds at 00:00 UTC on day `day` of month `m` (1-based; both may overflow into the next
 * month or year). Unlike `Date.UTC`, a year from 0 to 99 stays that year, never 1900 and after.
 */
export function utcDayMs(year: number, m: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, m - 1, day);
  return d.getTime();
}

/** Milliseconds at 00:00 UTC on the first day of month `m` (1-based; may overflow into the next year). */
export const monthStartMs = (year: number, m: number) => utcDayMs(year, m, 1);

function monthsFrom(year: number, first: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const d = new Date(monthStartMs(year, first + i));
    out.push(`${String(d.getUTCFullYear()).padStart(4, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

/** Refuses a year no bill can be in, saying which years can. */
function checkYear(text: string, year: number): void {
  if (year < firstYear || year > lastYear) {
    throw new AppError('invalid_args', `“${text.trim()}” is outside the years Billfold keeps bills for: use a year from ${firstYear} to ${lastYear}.`);
  }
}

function fromMonths(label: string, months: string[]): Period {
  const first = months[0] as string;
  const last = months[months.length - 1] as string;
  return {
    label,
    months,
    start: iso(monthStartMs(Number(first.slice(0, 4)), Number(first.slice(4)))),
    end: iso(monthStartMs(Number(last.slice(0, 4)), Number(last.slice(4)) + 1)),
  };
}

/** `2026-10` or `2026-Q3`; anything else is an `invalid_args` error that says what is expected. */
export function parsePeriod(text: string): Period {
  const m = periodPattern.exec(text.trim());
  if (!m) throw new AppError('invalid_args', `“${text}” is not a period: use a month such as 2026-10 or a quarter such as 2026-Q3.`);
  const year = Number(m[1]);
  checkYear(text, year);
  const part = m[2] as string;
  if (part.startsWith('Q')) {
    const q = Number(part.slice(1));
    return fromMonths(`${year}-Q${q}`, monthsFrom(year, (q - 1) * 3 + 1, 3));
  }
  return fromMonths(`${year}-${part}`, monthsFrom(year, Number(part), 1));
}

/** Every month from `from` to `to` (both YYYY-MM, inclusive); at most 120 months. */
export function monthRange(from: string, to: string): Period {
  const a = monthPattern.exec(from.trim());
  const b = monthPattern.exec(to.trim());
  if (!a || !b) throw new AppError('invalid_args', 'Months are written YYYY-MM, for example 2026-10.');
  checkYear(from, Number(a[1]));
  checkYear(to, Number(b[1]));
  const startIndex = Number(a[1]) * 12 + Number(a[2]) - 1;
  const endIndex = Number(b[1]) * 12 + Number(b[2]) - 1;
  if (endIndex < startIndex) throw new AppError('invalid_args', `The period ends (${to}) before it starts (${from}).`);
  if (endIndex - startIndex >= 120) throw new AppError('invalid_args', 'Export at most 120 months at a time.');
  const months = monthsFrom(Number(a[1]), Number(a[2]), endIndex - startIndex + 1);
  return fromMonths(from === to ? from : `${from} to ${to}`, months);
}

/** `202610` -> `2026-10`. */
export const dashed = (yyyyMM: string) => `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4, 6)}`;

/** The yyyyMM an ISO instant falls in (UTC). */
export const monthOf = (isoTime: string) => isoTime.slice(0, 7).replace('-', '');

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const monthStartOf = (yyyyMM: string) => monthStartMs(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4)));

/**
 * Whether month `yyyyMM` has begun at `now` (UTC). One that has not has nothing to sync or save
 * yet, so the checks of a period's months skip it: `periodNotOver` names it instead.
 */
export const monthBegun = (yyyyMM: string, now: Date): boolean => monthStartOf(yyyyMM) <= now.getTime();

/** Refuses a period that has not begun at `now`: nothing of it can be billed yet. */
export function refuseNotBegun(period: Period, now: Date, verb: 'pack' | 'export'): void {
  if (Date.parse(period.start) <= now.getTime()) return;
  throw new AppError('invalid_args', `${period.label} has not begun (today is ${day(now.getTime())}, UTC): there is nothing to ${verb} yet.`);
}

/**
 * What a period that has begun but not ended lacks at `now` (its month still open, the months
 * that have not begun), as one sentence ending with `again` ("Build the 2026-Q4 pack again …"),
 * or undefined for a period that is over.
 */
export function periodNotOver(period: Period, now: Date, again: string): string | undefined {
  const t = now.getTime();
  if (Date.parse(period.end) <= t) return undefined;
  const open = period.months.filter((m) => monthBegun(m, now) && t < monthStartMs(Number(m.slice(0, 4)), Number(m.slice(4)) + 1)).map(dashed);
  const notBegun = period.months.filter((m) => !monthBegun(m, now)).map(dashed);
  // `end` is the first instant after the period, so its last day is the day before.
  const lastDay = day(Date.parse(period.end) - 1);
  if (period.months.length === 1) return `${period.label} is still open: its bills and invoices may still change. ${again} after it ends on ${lastDay} (UTC).`;
  const parts: string[] = [];
  if (open.length > 0) parts.push(`${open.join(', ')} is still open (its bills and invoices may still change)`);
  if (notBegun.length === 1) parts.push(`${notBegun[0]} has not begun`);
  if (notBegun.length > 1) parts.push(`${notBegun[0]} to ${notBegun[notBegun.length - 1]} have not begun`);
  return `${period.label} is not over: ${parts.join(' and ')}. ${again} after it ends on ${lastDay} (UTC).`;
}
