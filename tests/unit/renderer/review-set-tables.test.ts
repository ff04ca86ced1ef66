import { describe, expect, it } from 'vitest';
import { monthEndMs, type ReviewSetCurrency } from '../../../contract/models/review-set';
import { currencyOfMonth, currencyOfMonths, setMoney } from '../../../renderer/src/views/review-set/money';
import { missingMonths, previousMonthOf, savedBeforeMonthEnded, signOf, trendPoints } from '../../../renderer/src/views/review-set/tables';

describe('multi-file review tables', () => {
  const currency: ReviewSetCurrency = {
    mixed: true,
    months: [
      { month: '202404', code: 'JPY', source: 'live', accountName: 'Fleet' },
      { month: '202405', code: 'JPY', source: 'offline', accountName: 'Fleet' },
      { month: '202406', code: 'USD', source: 'live', accountName: 'Fleet' },
      { month: '202407', accountName: 'Fleet', reason: 'No bill.' },
    ],
    totals: [],
    note: '',
  };

  it('shows each month in the currency of its bill, and a figure across currencies as a plain decimal', () => {
    expect(currencyOfMonth(currency, '202406')).toBe('USD');
    expect(currencyOfMonth(currency, '202407')).toBeUndefined();
    expect(currencyOfMonths(currency, ['202404', '202405'])).toEqual({ code: 'JPY', mixed: false });
    expect(currencyOfMonths(currency, ['202405', '202406'])).toEqual({ mixed: true });
    // A known currency and an unknown one are not the same currency either.
    expect(currencyOfMonths(currency, ['202406', '202407'])).toEqual({ mixed: true });
    expect(setMoney('1234.5', currency, ['202404', '202405'])).toBe('¥1,234.5');
    expect(setMoney('1234.5', currency, ['202406'])).toBe('$1,234.50');
    expect(setMoney('1234.5', currency, ['202405', '202406'])).toBe('1,234.5');
  });

  it('draws a trend line inside its box, zero included, and none for a single month', () => {
    expect(trendPoints(['5'], 72, 20)).toBe('');
    const points = trendPoints(['0', '10', '-10'], 72, 20).split(' ').map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(3);
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(2);
      expect(x).toBeLessThanOrEqual(70);
      expect(y).toBeGreaterThanOrEqual(2);
      expect(y).toBeLessThanOrEqual(18);
    }
    // The highest amount is drawn highest, the lowest lowest, across the whole box.
    expect(points[1]?.[1]).toBe(2);
    expect(points[2]?.[1]).toBe(18);
    expect(points[0]?.[1]).toBe(10);
    // A small change between large amounts still shows; equal amounts make a flat line.
    const close = trendPoints(['500', '520'], 72, 20).split(' ').map((p) => Number(p.split(',')[1]));
    expect(close).toEqual([18, 2]);
    expect(new Set(trendPoints(['7', '7', '7'], 72, 20).split(' ').map((p) => p.split(',')[1]))).toEqual(new Set(['10.0']));
  });

  it('knows the previous month across a year, and the sign of an exact decimal', () => {
    expect(previousMonthOf('202401')).toBe('202312');
    expect(previousMonthOf('202410')).toBe('202409');
    expect([signOf('0'), signOf('-0.000'), signOf('0.0000001'), signOf('-3')]).toEqual([0, 0, 1, -1]);
  });

  it('names the months between the first and the last that no file holds', () => {
    expect(missingMonths([])).toEqual([]);
    expect(missingMonths(['202609'])).toEqual([]);
    expect(missingMonths(['202609', '202610', '202611'])).toEqual([]);
    expect(missingMonths(['202609', '202611'])).toEqual(['202610']);
    expect(missingMonths(['202511', '202602', '202603'])).toEqual(['202512', '202601']);
  });

  it('names the exports of a month that were all saved before the month ended (UTC)', () => {
    const early = { fileName: 'a.csv', usedMonths: ['202610'], savedAt: '2026-10-25T10:00:00.000Z' };
    const lastInstant = { fileName: 'b.csv', usedMonths: ['202610'], savedAt: '2026-10-31T23:59:59.999Z' };
    const after = { fileName: 'c.csv', usedMonths: ['202610'], savedAt: '2026-11-01T00:00:00.000Z' };
    const loose = { fileName: 'd.csv', usedMonths: ['202610'] };
    const later = Date.parse('2026-11-29T09:00:00.000Z');
    expect(savedBeforeMonthEnded([early], '202610', later)).toEqual([early]);
    expect(savedBeforeMonthEnded([early, lastInstant], '202610', later)).toEqual([early, lastInstant]);
    expect(savedBeforeMonthEnded([after], '202610', later)).toEqual([]);
    expect(savedBeforeMonthEnded([early, after], '202610', later)).toEqual([]);
    expect(savedBeforeMonthEnded([loose], '202610', later)).toEqual([]);
    expect(savedBeforeMonthEnded([early], '202611', later)).toEqual([]);
    expect(savedBeforeMonthEnded([{ fileName: 'dec.csv', usedMonths: ['202512'], savedAt: '2025-12-31T12:00:00.000Z' }], '202512', later)).toHaveLength(1);
  });

  it('ends a month at midnight UTC of the first day of the next one, December in the next year', () => {
    expect(new Date(monthEndMs('202610')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(new Date(monthEndMs('202612')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('names no export of a month that has not ended yet (UTC): it has no final figures to export', () => {
    const current = { fileName: 'nov.csv', usedMonths: ['202611'], savedAt: '2026-11-29T08:56:00.000Z' };
    expect(savedBeforeMonthEnded([current], '202611', Date.parse('2026-11-29T09:00:00.000Z'))).toEqual([]);
    expect(savedBeforeMonthEnded([current], '202611', Date.parse('2026-11-30T23:59:59.999Z'))).toEqual([]);
    // Once the month is over, the same export may not hold the whole month.
    expect(savedBeforeMonthEnded([current], '202611', Date.parse('2026-12-01T00:00:00.000Z'))).toEqual([current]);
    const december = { fileName: 'dec.csv', usedMonths: ['202612'], savedAt: '2026-12-20T10:00:00.000Z' };
    expect(savedBeforeMonthEnded([december], '202612', Date.parse('2026-12-31T12:00:00.000Z'))).toEqual([]);
    expect(savedBeforeMonthEnded([december], '202612', Date.parse('2027-01-01T00:00:00.000Z'))).toEqual([december]);
  });
});
