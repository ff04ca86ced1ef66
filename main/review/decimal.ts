/**
 * Exact decimal amounts as scaled integers: "-12.5" is 125 at scale 1, negated. Sums stay exact
 * while they fit in a double's 53-bit integer range; the engine checks that bound.
 */

/** At most this many digits after the point; more is reported as an unparseable amount. */
export const maxScale = 9;

export const pow10: readonly number[] = Array.from({ length: maxScale + 1 }, (_, i) => 10 ** i);

/** The result of the last successful `parseAmount`, kept outside to avoid an object per row. */
export const parsed = { value: 0, scale: 0 };

/**
 * Parses `-123.45`, `+7`, `0.0002`: optional sign, digits, optional point and digits.
 * Returns false for anything else (spaces, exponents, thousands separators, empty).
 */
export function parseAmount(text: string): boolean {
  const len = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */) {
    negative = true;
    i = 1;
  } else if (first === 43 /* + */) {
    i = 1;
  }
  let value = 0;
  let intDigits = 0;
  for (; i < len; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    intDigits++;
  }
  if (intDigits === 0) return false;
  let scale = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46 /* . */) return false;
    i++;
    for (; i < len; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return false;
      value = value * 10 + d;
      scale++;
    }
    if (scale === 0) return false;
  }
  if (scale > maxScale || value > Number.MAX_SAFE_INTEGER) return false;
  parsed.value = negative && value !== 0 ? -value : value;
  parsed.scale = scale;
  return true;
}

/** Exact decimal text of `value` at `scale`, without trailing zeros after the point: (-1250, 3) → "-1.25". */
export function formatScaled(value: number, scale: number): string {
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  let abs = String(Math.abs(value));
  if (scale === 0) return sign + abs;
  abs = abs.padStart(scale + 1, '0');
  const whole = abs.slice(0, -scale);
  const frac = abs.slice(-scale).replace(/0+$/, '');
  return frac === '' ? sign + whole : `${sign}${whole}.${frac}`;
}

/**
 * A decimal string in an integer number of minor units of a currency with `digits` decimals,
 * rounded half away from zero. `exact` says whether no rounding was needed.
 */
export function decimalToMinor(text: string, digits: number): { minor: number; exact: boolean } {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new RangeError(`Not a decimal: ${text}`);
  const frac = m[3] ?? '';
  const kept = (frac + '0'.repeat(digits)).slice(0, digits);
  const dropped = frac.slice(digits);
  let minor = Number((m[2] ?? '0') + kept);
  if (dropped !== '' && Number(dropped[0]) >= 5) minor += 1;
  const exact = /^0*$/.test(dropped);
  return { minor: m[1] && minor !== 0 ? -minor : minor, exact };
}
