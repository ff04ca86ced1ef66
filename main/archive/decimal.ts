/**
 * Exact decimals for the archive: amounts are kept as integers scaled by 10^SCALE (bigint), so
 * sums over millions of rows never drift, and written back as plain decimal strings.
 */
export const SCALE = 12;
const factor = 10n ** BigInt(SCALE);
const decimalText = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** "12.34" -> 12340000000000n; throws RangeError for anything that is not a plain decimal. */
export function toScaled(text: string): bigint {
  const m = decimalText.exec(text.trim());
  const int = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || int + frac === '') throw new RangeError(`Not a decimal number: ${JSON.stringify(text)}`);
  if (frac.length > SCALE && /[1-9]/.test(frac.slice(SCALE))) throw new RangeError(`More than ${SCALE} decimal places: ${text}`);
  const value = BigInt(int || '0') * factor + BigInt((frac.slice(0, SCALE) || '0').padEnd(SCALE, '0'));
  return m[1] === '-' ? -value : value;
}

/** An integer amount of minor units with `digits` decimals (cents: 2) -> scaled. */
export const minorToScaled = (minor: number, digits: number) => BigInt(minor) * 10n ** BigInt(SCALE - digits);

/** Scaled -> the shortest exact decimal string: 12340000000000n -> "12.34", -5n*10n**10n -> "-0.05". */
export function fromScaled(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const int = abs / factor;
  const frac = (abs % factor).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative && abs !== 0n ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Scaled -> an exact decimal with exactly `digits` places when it has no more (for money). */
export function fromScaledFixed(value: bigint, digits: number): string {
  const text = fromScaled(value);
  const [int, frac = ''] = text.split('.');
  if (frac.length > digits || digits === 0) return frac.length > 0 ? text : (int as string);
  return `${int}.${frac.padEnd(digits, '0')}`;
}
