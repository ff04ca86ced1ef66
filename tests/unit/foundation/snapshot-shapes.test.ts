import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { argSchemas } from '../../../contract';
import { isReadChannel } from '../../../contract/channels/snapshots';
import type { EventMessage } from '../../../contract/events';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { readResultShapes } from '../../../main/snapshots/shapes';
import { mainServices } from '../files/helpers';

let s: Awaited<ReturnType<typeof mainServices>> | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const snapshotOf = (accountId: string, channel: string, args: Record<string, unknown> = {}) =>
  s!.call<{ value: unknown; syncedAt: string } | null>('snapshots.get', { accountId, channel, args: { accountId, ...args } });

describe('offline snapshots of the wrong shape', () => {
  it('every read channel has a shape, and every live answer of the sandboxes matches it', async () => {
    const readChannels = Object.keys(argSchemas).filter(isReadChannel).sort();
    expect(Object.keys(readResultShapes).sort()).toEqual(readChannels);

    s = await mainServices();
    const { spatialflow, agilicus, soracom } = s.ids;
    const invoices = await s.call<{ invoices: { id: string }[] }>('spatialflow.listInvoices', { accountId: spatialflow });
    const accounts = await s.call<{ accounts: { id: string }[] }>('agilicus.listBillingAccounts', { accountId: agilicus });
    const history = await s.call<{ bills: { yearMonth: string }[] }>('soracom.getBillingHistory', { accountId: soracom });
    const calls: [string, string, Record<string, unknown>][] = [
      ['spatialflow.listInvoices', spatialflow, {}],
      ['spatialflow.getInvoice', spatialflow, { invoiceId: invoices.invoices[0]!.id }],
      ['spatialflow.listPaymentMethods', spatialflow, {}],
      ['spatialflow.getSubscription', spatialflow, {}],
      ['spatialflow.listPlans', spatialflow, {}],
      ['agilicus.listBillingAccounts', agilicus, {}],
      ['agilicus.getBillingAccount', agilicus, { billingAccountId: accounts.accounts[0]!.id }],
      ['agilicus.getBillingAccountOrgs', agilicus, { billingAccountId: accounts.accounts[0]!.id }],
      ['agilicus.getUsageRecords', agilicus, { billingAccountId: accounts.accounts[0]!.id }],
      ['soracom.getBillingHistory', soracom, {}],
      ['soracom.getBilling', soracom, { yyyyMM: history.bills[0]!.yearMonth }],
      ['soracom.getBillingPerDay', soracom, { yyyyMM: history.bills[0]!.yearMonth }],
      ['soracom.getLatestBilling', soracom, {}],
    ];
    expect(calls.map((c) => c[0]).sort()).toEqual(readChannels);
    for (const [channel, accountId, args] of calls) {
      const live = await s.call(channel, { accountId, ...args });
      expect(readResultShapes[channel]!.safeParse(live).success, channel).toBe(true);
      // Kept, and given back as it was.
      expect((await snapshotOf(accountId, channel, args))?.value, channel).toEqual(live);
    }
  }, 60_000);

  it('discards a snapshot with wrong types for its view alone, says so, and keeps the other views’ data', async () => {
    s = await mainServices();
    const { spatialflow } = s.ids;
    const methods = await s.call('spatialflow.listPaymentMethods', { accountId: spatialflow });
    await s.call('spatialflow.getSubscription', { accountId: spatialflow });
    await s.services.close();

    // Damaged while Billfold was closed: the plan's price is text, and the status a number.
    const file = path.join(s.platform.userDataDir, 'snapshots', `${encodeURIComponent(spatialflow)}.json`);
    const stored = JSON.parse(await fs.readFile(file, 'utf8')) as { entries: Record<string, { value: { plan: { price: unknown }; status: unknown } }> };
    const subscription = stored.entries['spatialflow.getSubscription []']!;
    subscription.value.plan.price = { minor: '29.00', currency: 'USD' };
    subscription.value.status = 5;
    await fs.writeFile(file, JSON.stringify(stored));

    // Billfold starts again on the same folder.
    const events: EventMessage[] = [];
    const again = createMainServices({ platform: s.platform, emit: (m) => events.push(m), log: () => undefined, secrets: memorySecretStore(), demo: createDemoSandboxes() });
    const snapshot = async (channel: string) => {
      const reply = await again.router.handle('snapshots.get', { accountId: spatialflow, channel, args: { accountId: spatialflow } });
      return reply.ok ? (reply.value as { value: unknown } | null) : reply.error;
    };
    expect(await snapshot('spatialflow.getSubscription')).toBeNull();
    expect(await snapshot('spatialflow.listPaymentMethods')).toMatchObject({ value: methods });
    expect(events.filter((e) => e.event === 'app.notice').map((e) => (e.payload as { message: string }).message)).toEqual([
      'Saved offline data for one view could not be read and was discarded; it is rebuilt on the next sync.',
    ]);
    await again.close();
    const after = JSON.parse(await fs.readFile(file, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(after.entries)).toEqual(['spatialflow.listPaymentMethods []']);
    // Both services are closed: only the folder is left to remove.
    await fs.rm(s.dir, { recursive: true, force: true });
    s = undefined;
  }, 60_000);
});
