import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownloadSummary } from '../../../contract/models/download';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
import { startAgilicusSandbox, type AgilicusSandbox, type AgilicusSandboxOptions } from '../../../main/sandbox/agilicus';
import { routerCall, testPlatform } from '../../support/platform';

const opened: { services: MainServices; sandbox: AgilicusSandbox; dir: string }[] = [];
afterEach(async () => {
  for (const { services, sandbox, dir } of opened.splice(0)) {
    await services.close();
    await sandbox.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/** An Agilicus account on its own sandbox, whose data is around 15 March 2025. */
async function setup(opts: AgilicusSandboxOptions = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-download-agilicus-'));
  const sandbox = await startAgilicusSandbox({ now: new Date('2025-03-15T10:00:00Z'), ...opts });
  const services = createMainServices({
    platform: testPlatform(path.join(dir, 'user-data'), { documentsDir: path.join(dir, 'Documents') }),
    emit: () => undefined,
    log: () => undefined,
    secrets: memorySecretStore(),
  });
  opened.push({ services, sandbox, dir });
  const account = await services.accounts.add({ provider: 'agilicus', name: 'Corp', baseUrl: sandbox.apiUrl, credentials: sandbox.credentials });
  return { sandbox, account, call: routerCall(services) };
}

/** The billing accounts whose usage statements a run saved. */
const statementsOf = (summary: DownloadSummary) =>
  new Set(summary.items.filter((i) => i.kind === 'agilicus-usage-statement-pdf' && i.state === 'fetched').map((i) => i.key.split(':')[2]));

describe('download everything from Agilicus', () => {
  it('saves the statements of every billing account, also of those past the first page Agilicus answers by default', async () => {
    const { sandbox, account, call } = await setup();
    // 500 billing accounts without usage first (a page by default), the three with usage after them.
    const withUsage = [...sandbox.state.accounts.values()];
    sandbox.state.accounts.clear();
    for (let i = 0; i < 500; i++) {
      const id = `ba-empty-${String(i).padStart(3, '0')}`;
      sandbox.state.accounts.set(id, { id, created: '2024-01-01T00:00:00.000Z', updated: '2024-01-01T00:00:00.000Z', customerId: `cus_empty_${i}`, devMode: false, products: [], subscriptions: [], usage: [] });
    }
    for (const a of withUsage) sandbox.state.accounts.set(a.id, a);

    const summary = await call<DownloadSummary>('download.everything', { from: '2025-01', to: '2025-01', accountId: account.id, taskId: 'agilicus-all' });
    expect(summary.failed).toBe(0);
    expect(statementsOf(summary)).toEqual(new Set(withUsage.map((a) => a.id)));
  });

  it('says so when Agilicus lists fewer billing accounts than asked for, since there may be more', async () => {
    const { sandbox, account, call } = await setup({ maxLimit: 2 });
    const summary = await call<DownloadSummary>('download.everything', { from: '2025-03', to: '2025-03', accountId: account.id, taskId: 'agilicus-capped' });
    const listed = [...sandbox.state.accounts.keys()].slice(0, 2);
    expect(statementsOf(summary)).toEqual(new Set(listed));
    expect(summary.failed).toBe(1);
    const failure = summary.items.find((i) => i.state === 'failed');
    expect(failure).toMatchObject({ kind: 'listing', accountId: account.id });
    expect(failure?.reason?.message).toBe('Agilicus listed only the first 2 billing accounts, the most it answers at once: the usage statements of any others were not downloaded.');
  });
});
