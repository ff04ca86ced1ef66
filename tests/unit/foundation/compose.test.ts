import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { testPlatform } from '../../support/platform';

const opened: MainServices[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function services(userDataDir: string, logs: string[]) {
  const made = createMainServices({
    platform: testPlatform(userDataDir),
    emit: () => undefined,
    log: (line) => logs.push(line),
    secrets: memorySecretStore(),
  });
  opened.push(made);
  return made;
}

describe('bookkeeping around provider calls', () => {
  it('a call that worked still answers when its offline snapshot cannot be written', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-bookkeeping-'));
    // A file where the snapshot folder should be: every snapshot write fails.
    await fs.writeFile(path.join(dir, 'snapshots'), 'not a folder');
    const logs: string[] = [];
    const { router, accounts } = await services(dir, logs);
    const [soracom] = (await accounts.startDemo()).filter((a) => a.provider === 'soracom');
    const reply = await router.handle('soracom.getLatestBilling', { accountId: soracom!.id });
    expect(reply).toMatchObject({ ok: true, value: { amount: { currency: 'JPY' } } });
    expect(logs.some((l) => l.startsWith('[snapshot]'))).toBe(true);
  });

  it('keeps no offline data for an account removed while its call was under way', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-bookkeeping-'));
    const { router, accounts } = await services(dir, []);
    const [agilicus] = (await accounts.startDemo()).filter((a) => a.provider === 'agilicus');
    const call = router.handle('agilicus.listBillingAccounts', { accountId: agilicus!.id });
    await accounts.remove(agilicus!.id);
    expect(await call).toMatchObject({ ok: true });
    const snap = await router.handle('snapshots.get', { accountId: agilicus!.id, channel: 'agilicus.listBillingAccounts', args: {} });
    expect(snap).toEqual({ ok: true, value: null });
    const files = await fs.readdir(path.join(dir, 'snapshots')).catch(() => []);
    expect(files.filter((f) => f.includes(encodeURIComponent(agilicus!.id)))).toEqual([]);
  });
});

describe('the sync state an account shows', () => {
  it('is not failed by an export the provider refused, but is by a read, and by refused credentials on any call', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-sync-state-'));
    const demo = createDemoSandboxes();
    const made = createMainServices({ platform: testPlatform(dir), emit: () => undefined, log: () => undefined, secrets: memorySecretStore(), demo });
    opened.push(made);
    const { router, accounts } = made;
    const [soracom] = (await accounts.startDemo()).filter((a) => a.provider === 'soracom');
    const accountId = soracom!.id;
    const syncOf = async () => (await accounts.list()).accounts.find((a) => a.id === accountId)?.sync;
    const history = (await router.handle('soracom.getBillingHistory', { accountId })) as { ok: true; value: { bills: { yearMonth: string }[] } };
    const server = (await demo.servers()).soracom;

    server.setFaults([{ kind: 'status', status: 500, method: 'POST' }]);
    const exported = await router.handle('soracom.exportBilling', { accountId, yyyyMM: history.value.bills[1]!.yearMonth });
    expect(exported).toMatchObject({ ok: false, error: { code: 'server' } });
    expect((await syncOf())?.lastError).toBeUndefined();

    server.setFaults([{ kind: 'status', status: 500, method: 'GET' }]);
    expect(await router.handle('soracom.getBillingHistory', { accountId })).toMatchObject({ ok: false, error: { code: 'server' } });
    expect((await syncOf())?.lastError).toMatchObject({ code: 'server' });

    server.setFaults([{ kind: 'status', status: 401 }]);
    expect(await router.handle('soracom.exportBilling', { accountId, yyyyMM: history.value.bills[1]!.yearMonth })).toMatchObject({ ok: false, error: { code: 'auth_failed' } });
    expect((await syncOf())?.lastError).toMatchObject({ code: 'auth_failed' });
  });
});

describe('services wired together', () => {
  it('files.cancel stops a running Soracom export', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-compose-'));
    const { router, accounts } = await services(dir, []);
    const [soracom] = (await accounts.startDemo()).filter((a) => a.provider === 'soracom');
    const history = (await router.handle('soracom.getBillingHistory', { accountId: soracom!.id })) as { ok: true; value: { bills: { yearMonth: string }[] } };
    const exporting = router.handle('soracom.exportBilling', { accountId: soracom!.id, yyyyMM: history.value.bills[1]!.yearMonth, taskId: 'export-1' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await router.handle('files.cancel', { taskId: 'export-1' })).toEqual({ ok: true, value: { cancelled: true } });
    expect(await exporting).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });
});

