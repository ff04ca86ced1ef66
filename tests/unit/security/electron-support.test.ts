// Electron supports its three newest majors. The committed table (security/electron-majors.json)
// lists the majors with their release days; CI turns red when the pinned Electron falls out of support.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const table = JSON.parse(fs.readFileSync('security/electron-majors.json', 'utf8')) as { majors: { major: number; released: string }[] };
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> };
const pinned = pkg.devDependencies['electron'] ?? '';

/** The oldest major Electron still supports: the third-newest in the table. */
function oldestSupportedMajor(majors: { major: number }[]): number {
  const newest = [...new Set(majors.map((m) => m.major))].sort((a, b) => b - a);
  const third = newest[2];
  if (third === undefined) throw new Error('The table needs at least three majors.');
  return third;
}

describe('the pinned Electron', () => {
  it('is a supported major: not older than the third-newest major in the table', () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const major = Number(pinned.split('.')[0]);
    expect(major, `Electron ${pinned} is out of support: the supported majors are ${oldestSupportedMajor(table.majors)} and newer. Move the pin.`).toBeGreaterThanOrEqual(oldestSupportedMajor(table.majors));
    expect(table.majors.map((m) => m.major), 'the pinned major is in the table').toContain(major);
  });

  it('is the one installed, so the typecheck and the packaging test use its electron.d.ts', () => {
    const installed = (JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }).version;
    expect(installed).toBe(pinned);
  });

  it('the table is in order, one entry per major, with real dates', () => {
    const majors = table.majors.map((m) => m.major);
    expect(majors).toEqual([...majors].sort((a, b) => a - b));
    expect(new Set(majors).size).toBe(majors.length);
    for (const m of table.majors) expect(Number.isNaN(Date.parse(`${m.released}T00:00:00Z`)), m.released).toBe(false);
    const dates = table.majors.map((m) => m.released);
    expect(dates).toEqual([...dates].sort());
  });

  it('turns red for a pin that left support: 41 left when 44.0.0 came out', () => {
    const until44 = table.majors.filter((m) => m.major <= 43);
    expect(oldestSupportedMajor(until44)).toBe(41);
    expect(oldestSupportedMajor(table.majors.filter((m) => m.major <= 44))).toBe(42);
    expect(41).toBeLessThan(oldestSupportedMajor(table.majors));
  });
});
