import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SoracomBillingHistory } from '../../../contract/models/soracom';
import { fromMinor } from '../../../contract/money';
import { collectFocus, writeFocus } from '../../../main/archive/export';
import { buildPack, planPack } from '../../../main/archive/pack';
import { monthBegun, monthRange, parsePeriod } from '../../../main/archive/period';
import type { ArchiveSourceDeps } from '../../../main/archive/sources';

const fleet: AccountSummary = { id: 'acc_so', name: 'Fleet', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };
/** Nov 29, 2026: November is open, December has not begun. */
const today = new Date('2026-11-29T08:30:00Z');

/** Fleet's bills up to the open month, November (preliminary), synced today. */
const deps: ArchiveSourceDeps = {
  listAccounts: () => Promise.resolve([fleet]),
  libraryFiles: () => Promise.resolve([]),
  snapshots: {
    list: (accountId, channel) => {
      const history: SoracomBillingHistory = {
        bills: [
          { yearMonth: '202610', amount: fromMinor(227564, 'JPY'), state: 'closed' },
          { yearMonth: '202611', amount: fromMinor(9618, 'JPY'), state: 'temporary' },
        ],
      };
      const found = accountId === fleet.id && channel === 'soracom.getBillingHistory';
      return Promise.resolve(found ? [{ args: {}, snapshot: { value: history, syncedAt: today.toISOString() } }] : []);
    },
  },
  now: () => today,
};

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-not-begun-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('a period that has not begun or is still running', () => {
  it('a pack of a month or a quarter that has not begun is refused with invalid_args, and nothing is written', async () => {
    for (const period of ['2026-12', '2027-01', '2027-Q1']) {
      await expect(buildPack({ ...deps, root: () => Promise.resolve(root) }, period)).rejects.toMatchObject({
        code: 'invalid_args',
        message: `${period} has not begun (today is 2026-11-29, UTC): there is nothing to pack yet.`,
      });
    }
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('a FOCUS export of months that have not begun is refused the same way', async () => {
    await expect(writeFocus(deps, '2027-01', '2027-03', 'csv', path.join(root, 'focus.csv'))).rejects.toMatchObject({
      code: 'invalid_args',
      message: '2027-01 to 2027-03 has not begun (today is 2026-11-29, UTC): there is nothing to export yet.',
    });
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('the pack of the running quarter says which month is open and which has not begun, and asks for nothing that cannot exist yet', async () => {
    const { missing } = await planPack(deps, parsePeriod('2026-Q4'));
    expect(missing[0]).toBe(
      '2026-Q4 is not over: 2026-11 is still open (its bills and invoices may still change) and 2026-12 has not begun. Build the 2026-Q4 pack again after it ends on 2026-12-31 (UTC).',
    );
    expect(missing.filter((m) => m.includes('2026-12'))).toEqual([missing[0]]);
    // The months that have begun are still checked.
    expect(missing).toContain('Fleet: the 2026-10 detailed billing CSV is not in the Library.');
    expect(missing).toContain('Fleet: the final 2026-11 bill. The bill Billfold holds is preliminary (temporary) and may still change until the month is closed.');
  });

  it('the pack of the month still running says it is open', async () => {
    const { missing } = await planPack(deps, parsePeriod('2026-11'));
    expect(missing[0]).toBe('2026-11 is still open: its bills and invoices may still change. Build the 2026-11 pack again after it ends on 2026-11-30 (UTC).');
  });

  it('the pack of a month that is over says nothing of the kind', async () => {
    const { missing } = await planPack(deps, parsePeriod('2026-10'));
    expect(missing.join('\n')).not.toMatch(/not over|not begun/);
  });

  it('a FOCUS export running into months that have not begun says so instead of asking for their exports', async () => {
    const data = await collectFocus(deps, monthRange('2026-10', '2027-02'));
    expect(data.missing[0]).toBe(
      '2026-10 to 2027-02 is not over: 2026-11 is still open (its bills and invoices may still change) and 2026-12 to 2027-02 have not begun. Export 2026-10 to 2027-02 again after it ends on 2027-02-28 (UTC).',
    );
    expect(data.missing.join('\n')).not.toMatch(/2027-01 bill|2026-12 bill|sync the account/);
  });
});

describe('monthBegun', () => {
  it('a month begins at its first instant in UTC, for the pack and the FOCUS export alike', () => {
    expect(monthBegun('202612', new Date('2026-11-30T23:59:59.999Z'))).toBe(false);
    expect(monthBegun('202612', new Date('2026-12-01T00:00:00.000Z'))).toBe(true);
    expect(monthBegun('202611', today)).toBe(true);
    expect(monthBegun('202701', today)).toBe(false);
  });
});
