import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
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

