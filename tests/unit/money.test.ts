import { describe, expect, it } from 'vitest';
import {
  addMoney,
  formatMoney,
  fromDecimal,
  fromMinor,
  minorDigits,
  parsePositiveAmount,
  sumByCurrency,
  toDecimalString,
} from '../../contract/money';

describe('fromMinor', () => {
  it('uppercases the currency and keeps integer minor units', () => {
    expect(fromMinor(1999, 'usd')).toEqual({ minor: 1999, currency: 'USD' });
    expect(fromMinor(-500, 'eur')).toEqual({ minor: -500, currency: 'EUR' });
    expect(Object.is(fromMinor(-0, 'usd').minor, 0)).toBe(true);
  });

  it('rejects non-integers and unknown codes', () => {
    expect(() => fromMinor(1.5, 'usd')).toThrow(RangeError);
    expect(() => fromMinor(Number.MAX_SAFE_INTEGER + 2, 'usd')).toThrow(RangeError);
    expect(() => fromMinor(1, 'dollars')).toThrow(RangeError);
    expect(() => fromMinor(1, '')).toThrow(RangeError);
  });
});

describe('minorDigits', () => {
  it('comes from Intl', () => {
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('BHD')).toBe(3);
  });
});

describe('fromDecimal', () => {
  it('converts exactly, without float drift', () => {
    expect(fromDecimal('12.34', 'USD')).toEqual({ minor: 1234, currency: 'USD' });
    expect(fromDecimal(0.1 + 0.2, 'USD').minor).toBe(30);
    expect(fromDecimal(1.15, 'EUR').minor).toBe(115);
    expect(fromDecimal(4.35, 'USD').minor).toBe(435);
    expect(fromDecimal(1234.56, 'usd').minor).toBe(123456);
    expect(fromDecimal('1200', 'JPY')).toEqual({ minor: 1200, currency: 'JPY' });
    expect(fromDecimal(1200, 'jpy').minor).toBe(1200);
    expect(fromDecimal('5', 'USD').minor).toBe(500);
    expect(fromDecimal('.5', 'USD').minor).toBe(50);
    expect(fromDecimal('7.', 'USD').minor).toBe(700);
    expect(fromDecimal('1e3', 'USD').minor).toBe(100000);
    expect(fromDecimal(1e-7, 'USD').minor).toBe(0);
  });

  it('rounds half away from zero to the minor digits', () => {
    expect(fromDecimal('1.005', 'USD').minor).toBe(101);
    expect(fromDecimal(1.005, 'USD').minor).toBe(101);
    expect(fromDecimal('1.004', 'USD').minor).toBe(100);
    expect(fromDecimal('-1.005', 'USD').minor).toBe(-101);
    expect(fromDecimal('-1.004', 'USD').minor).toBe(-100);
    expect(fromDecimal('0.005', 'USD').minor).toBe(1);
    expect(fromDecimal('123.5', 'JPY').minor).toBe(124);
    expect(fromDecimal('-123.5', 'JPY').minor).toBe(-124);
    expect(fromDecimal('123.49', 'JPY').minor).toBe(123);
    expect(fromDecimal('0.4', 'JPY').minor).toBe(0);
    expect(fromDecimal('0.5', 'JPY').minor).toBe(1);
    expect(Object.is(fromDecimal('-0.001', 'USD').minor, 0)).toBe(true);
    expect(fromDecimal('1.0005', 'BHD').minor).toBe(1001);
  });

  it('rejects what is not a decimal number', () => {
    for (const bad of ['', 'abc', '1,000.00', '1.2.3', '--1', '$5', '.']) {
      expect(() => fromDecimal(bad, 'USD')).toThrow(RangeError);
    }
    expect(() => fromDecimal(Number.NaN, 'USD')).toThrow(RangeError);
    expect(() => fromDecimal(Infinity, 'USD')).toThrow(RangeError);
    expect(() => fromDecimal('1e300', 'USD')).toThrow(RangeError);
  });
});

describe('addMoney and sumByCurrency', () => {
  it('adds the same currency', () => {
    expect(addMoney(fromMinor(150, 'usd'), fromMinor(250, 'USD'))).toEqual({ minor: 400, currency: 'USD' });
  });

  it('throws on different currencies', () => {
    expect(() => addMoney(fromMinor(1, 'USD'), fromMinor(1, 'EUR'))).toThrow(/USD.*EUR/);
  });

  it('groups per currency and never adds across', () => {
    const list = [fromMinor(100, 'usd'), fromDecimal('1200', 'JPY'), fromMinor(250, 'usd'), fromDecimal('3.5', 'EUR'), fromDecimal('300', 'JPY')];
    expect(sumByCurrency(list)).toEqual([
      { minor: 350, currency: 'USD' },
      { minor: 1500, currency: 'JPY' },
      { minor: 350, currency: 'EUR' },
    ]);
    expect(sumByCurrency([])).toEqual([]);
  });
});

describe('toDecimalString and formatMoney', () => {
  it('renders exact decimals', () => {
    expect(toDecimalString(fromMinor(123456, 'USD'))).toBe('1234.56');
    expect(toDecimalString(fromMinor(-5, 'USD'))).toBe('-0.05');
    expect(toDecimalString(fromMinor(0, 'EUR'))).toBe('0.00');
    expect(toDecimalString(fromMinor(1200, 'JPY'))).toBe('1200');
    expect(toDecimalString(fromMinor(1001, 'BHD'))).toBe('1.001');
    expect(toDecimalString(fromMinor(Number.MAX_SAFE_INTEGER, 'USD'))).toBe('90071992547409.91');
  });

  it('formats with Intl currency style', () => {
    expect(formatMoney(fromMinor(123456, 'usd'), 'en-US')).toBe('$1,234.56');
    expect(formatMoney(fromMinor(1200, 'JPY'), 'en-US')).toBe('¥1,200');
    expect(formatMoney(fromMinor(-5, 'USD'), 'en-US')).toBe('-$0.05');
    expect(formatMoney(fromMinor(123456, 'EUR'), 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatMoney(fromMinor(Number.MAX_SAFE_INTEGER, 'USD'), 'en-US')).toBe('$90,071,992,547,409.91');
    expect(typeof formatMoney(fromMinor(1, 'USD'))).toBe('string');
  });
});

describe('parsePositiveAmount (a budget as typed)', () => {
  it('takes an amount exactly as typed, with thousands separators and trailing zeros', () => {
    expect(parsePositiveAmount(' 7,500 ', 'JPY')).toEqual({ money: { minor: 7500, currency: 'JPY' } });
    expect(parsePositiveAmount('10.00', 'JPY')).toEqual({ money: { minor: 10, currency: 'JPY' } });
    expect(parsePositiveAmount('10.5', 'usd')).toEqual({ money: { minor: 1050, currency: 'USD' } });
    expect(parsePositiveAmount('0.4', 'USD')).toEqual({ money: { minor: 40, currency: 'USD' } });
  });

  it('refuses decimals the currency does not have instead of rounding them', () => {
    expect(parsePositiveAmount('10.5', 'JPY')).toEqual({ problem: 'has decimals, and JPY amounts have none: use a whole number' });
    expect(parsePositiveAmount('7500.6', 'JPY')).toEqual({ problem: 'has decimals, and JPY amounts have none: use a whole number' });
    expect(parsePositiveAmount('0.4', 'JPY')).toEqual({ problem: 'has decimals, and JPY amounts have none: use a whole number' });
    expect(parsePositiveAmount('1.005', 'USD')).toEqual({ problem: 'has more decimals than USD amounts have (2)' });
  });

  it('reads a comma only as a thousands separator, and refuses any other comma instead of dropping it', () => {
    expect(parsePositiveAmount('1,234', 'JPY')).toEqual({ money: { minor: 1234, currency: 'JPY' } });
    expect(parsePositiveAmount('1,234,567.89', 'USD')).toEqual({ money: { minor: 123456789, currency: 'USD' } });
    const decimalComma = 'has a comma that does not separate thousands (as in 1,234): write decimals with a point, as in 10.50';
    for (const typed of ['10,50', '1,5', '1,,5', '0,500', '1.234,56', '12,34,567', '1,234.5,6', ',5', '5,']) {
      expect(parsePositiveAmount(typed, 'EUR'), typed).toEqual({ problem: decimalComma });
    }
    expect(parsePositiveAmount('1,5', 'JPY')).toEqual({ problem: 'has a comma that does not separate thousands (as in 1,234), and JPY amounts have no decimals: use a whole number' });
    expect(parsePositiveAmount('1,5 yen', 'JPY')).toEqual({ problem: 'is not an amount: “1,5 yen”' });
  });

  it('says the smallest amount, and refuses one too large in words', () => {
    expect(parsePositiveAmount('0', 'JPY')).toEqual({ problem: `must be at least ${formatMoney({ minor: 1, currency: 'JPY' })}` });
    expect(parsePositiveAmount('0.00', 'USD')).toEqual({ problem: `must be at least ${formatMoney({ minor: 1, currency: 'USD' })}` });
    expect(parsePositiveAmount('12345678901234567890', 'JPY')).toEqual({ problem: `is too large: Billfold keeps amounts up to ${formatMoney({ minor: Number.MAX_SAFE_INTEGER, currency: 'JPY' })}` });
    expect(parsePositiveAmount('9007199254740991', 'JPY')).toEqual({ money: { minor: Number.MAX_SAFE_INTEGER, currency: 'JPY' } });
    expect(parsePositiveAmount('-5', 'JPY')).toEqual({ problem: 'is not an amount: “-5”' });
    expect(parsePositiveAmount('1e3', 'JPY')).toEqual({ problem: 'is not an amount: “1e3”' });
  });
});
