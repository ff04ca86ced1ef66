import { describe, expect, it } from 'vitest';
import { changeTable, deviceTable, monthlyTable, previousMonthOf, signOf, trendPoints } from '../../../renderer/src/views/review-set/tables';

describe('multi-file review tables', () => {
  it('a table by month keeps exact amounts and ISO months, and names the empty key', () => {
    const t = monthlyTable('Totals by month', 'Bill item', '(no name)', ['202404', '202405'], [
      { key: 'データ通信料', amounts: ['0.0000002', '-1.5'], total: '-1.4999998', rows: 3 },
      { key: '', amounts: ['0', '10'], total: '10', rows: 1 },
    ]);
    expect(t.columns).toEqual(['Bill item', '2024-04', '2024-05', 'Total', 'Rows']);
    expect(t.rows).toEqual([
      ['データ通信料', '0.0000002', '-1.5', '-1.4999998', 3],
      ['(no name)', '0', '10', '10', 1],
    ]);
  });

  it('a change table and the SIM table say which months they compare', () => {
    expect(changeTable('Change', 'group', '(none)', '202404', '202405', [{ key: 'A', from: '1', to: '3', change: '2' }]).columns).toEqual(['group', '2024-04', '2024-05', 'Change']);
    const sims = deviceTable('SIMs', 'imsi', ['tag:name'], ['202404', '202405'], { from: '202404', to: '202405' }, [
      { key: '001010000000001', groups: ['Meter'], amounts: ['1', '2'], present: [true, true], total: '3', last: '2', change: '1' },
      { key: '', groups: [''], amounts: ['0', '-5'], present: [false, true], total: '-5', last: '-5', change: '-5' },
    ]);
    expect(sims.columns).toEqual(['imsi', 'tag:name', '2024-04', '2024-05', 'Total', 'Amount 2024-05', 'Change 2024-04 to 2024-05']);
    expect(sims.rows[0]).toEqual(['001010000000001', 'Meter', '1', '2', '3', '2', '1']);
    expect(sims.rows[1]?.[0]).toBe('(account-level)');
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
});
