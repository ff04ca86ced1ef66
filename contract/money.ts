/** An amount in integer minor units (cents, yen) of an uppercase ISO 4217 currency. */
export interface Money {
  minor: number;
  currency: string;
}

const digitsCache = new Map<string, number>();

/** Uppercases and checks a currency code; throws RangeError for anything Intl does not know. */
export function normalizeCurrency(currency: string): string {
  const code = currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new RangeError(`Not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  minorDigits(code);
  return code;
}

/** Number of minor-unit digits of a currency (USD 2, JPY 0, BHD 3). */
export function minorDigits(currency: string): number {
  const code = currency.toUpperCase();
  const cached = digitsCache.get(code);
  if (cached !== undefined) return cached;
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
    .maximumFractionDigits;
  if (digits === undefined) throw new RangeError(`No minor-unit digits for ${code}`);
  digitsCache.set(code, digits);
  return digits;
}

function checkMinor(minor: number): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Not a safe integer amount of minor units: ${minor}`);
  return minor === 0 ? 0 : minor; // no -0
}

/** From integer minor units; the currency may be lowercase (`usd`). */
export function fromMinor(amount: number, currency: string): Money {
  return { minor: checkMinor(amount), currency: normalizeCurrency(currency) };
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;

/**
 * From a decimal amount in major units ("12.34", 12.34, "1e3"), rounded half away from
 * zero to the currency's minor digits. Works on the decimal digits, so 1.005 USD is 101.
 */
export function fromDecimal(amount: number | string, currency: string): Money {
  const code = normalizeCurrency(currency);
  if (typeof amount === 'number' && !Number.isFinite(amount)) throw new RangeError(`Not a finite amount: ${amount}`);
  const text = String(amount).trim();
  const m = DECIMAL.exec(text);
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  if (!m || intPart + fracPart === '') throw new RangeError(`Not a decimal amount: ${JSON.stringify(text)}`);
  const exponent = Number(m[4] ?? '0');
  if (Math.abs(exponent) > 400) throw new RangeError(`Amount out of range: ${text}`);
  const negative = m[1] === '-';
  // Digits with the decimal point after position `point` (may be < 0 or > length).
  const digits = intPart + fracPart;
  const point = intPart.length + exponent + minorDigits(code);
  let whole: string;
  let nextDigit: number;
  if (point <= 0) {
    whole = '0';
    nextDigit = point === 0 ? Number(digits[0] ?? '0') : 0;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    nextDigit = 0;
  } else {
    whole = digits.slice(0, point);
    nextDigit = Number(digits[point]);
  }
  let minor = Number(whole.replace(/^0+(?=\d)/, ''));
  if (nextDigit >= 5) minor += 1;
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Amount out of range: ${text}`);
  return { minor: checkMinor(negative ? -minor : minor), currency: code };
}

/** The most minor units an amount may have: past it, whole numbers are no longer exact in JavaScript. */
export const maxMinor = Number.MAX_SAFE_INTEGER;

/** Digits with commas only between groups of three ("1,234,567"), then maybe a point and decimals. */
const groupedAmount = /^[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$/;

/**
 * A positive amount as a person types it ("1,500", "10.50"), taken exactly as typed: an amount
 * that would need rounding (10.5 yen) is refused rather than changed, and so is a comma that
 * does not group thousands ("10,50" is not read as 1050). The answer is the amount, or what is
 * wrong with it, to end a sentence that names what it is for ("… must be at least ¥1").
 */
export function parsePositiveAmount(text: string, currency: string): { money: Money } | { problem: string } {
  const code = normalizeCurrency(currency);
  const typed = text.trim();
  const digits = minorDigits(code);
  const ungrouped = groupedAmount.test(typed) ? typed.replace(/,/g, '') : typed;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(ungrouped);
  if (!m && /^[\d.,]*\d[\d.,]*$/.test(typed) && typed.includes(',')) {
    const rest = digits === 0 ? `, and ${code} amounts have no decimals: use a whole number` : ': write decimals with a point, as in 10.50';
    return { problem: `has a comma that does not separate thousands (as in 1,234)${rest}` };
  }
  if (!m) return { problem: `is not an amount: “${typed}”` };
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) {
    return { problem: digits === 0 ? `has decimals, and ${code} amounts have none: use a whole number` : `has more decimals than ${code} amounts have (${digits})` };
  }
  const minor = BigInt(`${m[1] ?? '0'}${fraction.padEnd(digits, '0')}`);
  if (minor > BigInt(maxMinor)) return { problem: `is too large: Billfold keeps amounts up to ${formatMoney({ minor: maxMinor, currency: code })}` };
  if (minor < 1n) return { problem: `must be at least ${formatMoney({ minor: 1, currency: code })}` };
  return { money: { minor: Number(minor), currency: code } };
}

/** a + b; throws when the currencies differ. */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new RangeError(`Cannot add ${a.currency} and ${b.currency}`);
  }
  return { minor: checkMinor(a.minor + b.minor), currency: a.currency };
}

/** One total per currency, in order of first appearance; never adds across currencies. */
export function sumByCurrency(list: readonly Money[]): Money[] {
  const totals = new Map<string, Money>();
  for (const m of list) {
    const prev = totals.get(m.currency);
    totals.set(m.currency, prev === undefined ? { minor: checkMinor(m.minor), currency: m.currency } : addMoney(prev, m));
  }
  return [...totals.values()];
}

/** Exact decimal string in major units: {minor: -5, USD} -> "-0.05", {minor: 1200, JPY} -> "1200". */
export function toDecimalString(m: Money): string {
  const digits = minorDigits(m.currency);
  const abs = String(Math.abs(m.minor)).padStart(digits + 1, '0');
  const sign = m.minor < 0 ? '-' : '';
  if (digits === 0) return sign + abs;
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/** Localised currency text, e.g. "$1,234.50" or "￥1,200". */
export function formatMoney(m: Money, locale?: string): string {
  const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency });
  // A numeric string is formatted exactly (Intl.NumberFormat v3), avoiding float division.
  return fmt.format(toDecimalString(m) as `${number}`);
}
