import { describe, expect, it } from 'vitest';
import { initials, railMarks } from '../../../renderer/src/lib/rail-marks';

const marksOf = (...names: string[]) => {
  const marks = railMarks(names.map((name, i) => ({ id: `acc_${i}`, name })));
  return names.map((_, i) => marks.get(`acc_${i}`));
};

describe('the narrow sidebar’s account marks', () => {
  it('are the name’s initials', () => {
    expect([initials('SpatialFlow (demo)'), initials('Soracom (demo)'), initials('Corp network'), initials('地図サービス')]).toEqual(['SF', 'So', 'CN', '地図']);
    expect(marksOf('SpatialFlow (demo)', 'Soracom (demo)', 'Agilicus (demo)')).toEqual(['SF', 'So', 'Ag']);
  });

  it('are numbered in sidebar order where two accounts would get the same mark, whatever the case, and the others are left as they are', () => {
    expect(marksOf('Maps EU', 'Fleet', 'maps eu', 'Corp network', 'Fleet', 'CORP NETWORK', 'Tokyo fleet')).toEqual(['ME1', 'FL1', 'ME2', 'CN1', 'FL2', 'CN2', 'TF']);
    // "Fleet" and "flow" are "Fl" and "fl": alike once in capitals.
    expect(marksOf('Fleet', 'flow')).toEqual(['FL1', 'FL2']);
  });

  it('every mark differs from the others', () => {
    const names = ['Maps EU', 'maps eu', 'Fleet', 'Fleet', 'Corp network', 'CORP NETWORK', 'Map Engine', 'SpatialFlow (demo)', 'Soracom', 'Sora'];
    const marks = marksOf(...names);
    expect(new Set(marks.map((m) => m?.toUpperCase())).size).toBe(names.length);
  });
});
