import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventMessage } from '../../../contract/events';
import type { DownloadSummary, UnfinishedDownload } from '../../../contract/models/download';
import type { LibraryList } from '../../../contract/models/files';
import type { SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { journalFileName } from '../../../main/files/download-journal';
import { manifestName } from '../../../main/files/library-index';
import { createProviderGate } from '../../../main/files/provider-gate';
import { AppError } from '../../../main/http/errors';
import { routerCall, testPlatform } from '../../support/platform';

const opened: { services: MainServices; dir: string }[] = [];
afterEach(async () => {
  for (const { services, dir } of opened.splice(0)) {
    await services.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

async function setup(reuse?: { dir: string; demo: ReturnType<typeof createDemoSandboxes> }) {
  const dir = reuse?.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-download-')));
  const demo = reuse?.demo ?? createDemoSandboxes();
  const events: EventMessage[] = [];
  let onEvent: (m: EventMessage) => void = () => undefined;
  const services = createMainServices({
    platform: testPlatform(path.join(dir, 'user-data'), { documentsDir: path.join(dir, 'Documents') }),
    emit: (m) => {
      events.push(m);
      onEvent(m);
    },
    log: () => undefined,
    secrets: memorySecretStore(),
    demo,
  });
  opened.push({ services, dir });
  const accounts = await services.accounts.startDemo();
  const id = (provider: string) => accounts.find((a) => a.provider === provider)!.id;
  const call = routerCall(services);
  return { dir, demo, services, events, id, call, listen: (f: (m: EventMessage) => void) => (onEvent = f) };
}

const thisMonth = () => new Date().toISOString().slice(0, 7);

describe('provider gate', () => {
  it('runs at most `limit` pieces of work at once', async () => {
    const gate = createProviderGate({ limit: 2 });
    let active = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const runs = Array.from({ length: 5 }, (_, i) =>
      gate.run(async () => {
        active++;
        most = Math.max(most, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active--;
        return i;
      }),
    );
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    await tick();
    expect(releases).toHaveLength(2);
    while (releases.length > 0) {
      releases.shift()?.();
      await tick();
      await tick();
      expect(active).toBeLessThanOrEqual(2);
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('waits out a 429 (its Retry-After) and tries again; a Retry-After longer than allowed fails the work', async () => {
    const gate = createProviderGate({ limit: 1, maxPauseMs: 1_000 });
    let calls = 0;
    const result = await gate.run(() => {
      calls++;
      if (calls < 3) return Promise.reject(new AppError('rate_limited', 'Slow down.', { retryAfterMs: 5 }));
      return Promise.resolve('done');
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
    const tooLong = gate.run(() => Promise.reject(new AppError('rate_limited', 'Come back tomorrow.', { retryAfterMs: 86_400_000 })));
    await expect(tooLong).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

describe('download everything', () => {
  it('fetches every document of the month from every demo account once, through 429s with Retry-After', async () => {
    const { demo, id, call, events } = await setup();
    const servers = await demo.servers();
    // More 429s than the HTTP client retries by itself: the run pauses SpatialFlow and goes on.
    servers.spatialflow.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 0, times: 6, path: '/api/v1/billing/invoices/' }]);
    const month = thisMonth();
    const summary = await call<DownloadSummary>('download.everything', { from: month, to: month, taskId: 'everything-1' });
    expect(summary).toMatchObject({ failed: 0, skipped: 0, cancelled: false, resumed: false });
    expect(summary.fetched).toBe(summary.items.length);
    expect(new Set(summary.items.map((i) => i.kind))).toEqual(
      new Set(['spatialflow-invoice-pdf', 'soracom-bill-csv', 'soracom-statement-pdf', 'agilicus-usage-statement-pdf']),
    );
    expect(servers.spatialflow.exchanges.filter((e) => e.status === 429).length).toBe(6);
    expect(summary.bytes).toBeGreaterThan(0);

    const library = await call<LibraryList>('library.list', {});
    expect(library.total).toBe(summary.fetched);
    expect(library.files.every((f) => f.source !== undefined && f.sha256 !== undefined)).toBe(true);
    // Progress by count and bytes, under the task id, ending "done".
    const progress = events.filter((e) => e.event === 'task.progress').map((e) => e.payload as { taskId: string; done: number; total?: number; bytes?: number; state: string });
    expect(progress.every((p) => p.taskId === 'everything-1')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ state: 'done', done: summary.items.length, total: summary.items.length, bytes: summary.bytes });
    expect(await call('download.unfinished', {})).toBeNull();

    // Again: nothing new, nothing duplicated.
    const again = await call<DownloadSummary>('download.everything', { from: month, to: month, accountId: id('soracom') });
    expect(again.fetched).toBe(0);
    expect(again.items.every((i) => i.state === 'skipped' && i.reason?.code === 'already_saved')).toBe(true);
    expect((await call<LibraryList>('library.list', {})).total).toBe(library.total);
  });

  it('a cancelled run keeps what it saved and resumes where it stopped', async () => {
    const { call, listen } = await setup();
    const month = thisMonth();
    let cancelled = false;
    listen((m) => {
      const p = m.payload as { taskId?: string; done?: number; state?: string };
      if (m.event === 'task.progress' && p.taskId === 'everything-2' && (p.done ?? 0) >= 2 && !cancelled) {
        cancelled = true;
        void call('files.cancel', { taskId: 'everything-2' });
      }
    });
    const first = await call<DownloadSummary>('download.everything', { from: month, to: month, taskId: 'everything-2' });
    expect(first.cancelled).toBe(true);
    expect(first.items.some((i) => i.state === 'cancelled')).toBe(true);
    const savedFirst = first.fetched;
    expect(savedFirst).toBeGreaterThanOrEqual(2);
    const unfinished = await call<UnfinishedDownload>('download.unfinished', {});
    expect(unfinished).toMatchObject({ from: month, to: month, done: savedFirst });

    const second = await call<DownloadSummary>('download.everything', { from: month, to: month });
    expect(second).toMatchObject({ resumed: true, cancelled: false, failed: 0 });
    expect(second.skipped).toBe(savedFirst);
    const library = await call<LibraryList>('library.list', {});
    expect(library.total).toBe(second.fetched + second.skipped);
    const keys = library.files.map((f) => f.source?.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(await call('download.unfinished', {})).toBeNull();
  });

  it('a Cancel sent as the run starts, before the run is registered, ends it cancelled with nothing fetched', async () => {
    const { call, events } = await setup();
    const month = thisMonth();
    const running = call<DownloadSummary>('download.everything', { from: month, to: month, taskId: 'everything-early' });
    // The run is still reading the accounts: nothing under this id is running yet.
    expect(await call('files.cancel', { taskId: 'everything-early' })).toEqual({ cancelled: false });
    const summary = await running;
    expect(summary).toMatchObject({ cancelled: true, fetched: 0 });
    expect((await call<LibraryList>('library.list', {})).total).toBe(0);
    const progress = events.filter((e) => e.event === 'task.progress').map((e) => e.payload as { taskId: string; state: string });
    expect(progress.at(-1)).toMatchObject({ taskId: 'everything-early', state: 'cancelled' });
  });

  it('a run killed after naming a file but before recording it resumes without saving that document twice', async () => {
    const first = await setup();
    const month = thisMonth();
    const summary = await first.call<DownloadSummary>('download.everything', { from: month, to: month });
    expect(summary.failed).toBe(0);
    const library = await first.call<LibraryList>('library.list', {});
    // A statement Billfold makes (its bytes differ each time it is made) and a provider's invoice.
    const victims = [library.files.find((f) => f.source?.key.startsWith('soracom:statement:')), library.files.find((f) => f.kind === 'invoice-pdf')];
    await first.services.close();
    opened.splice(opened.findIndex((o) => o.services === first.services), 1);

    // What a kill leaves at that moment: the named file with its temporary twin, in neither the
    // folder's list nor the library, and the run unfinished in the journal without it.
    const userData = path.join(first.dir, 'user-data');
    const journal = JSON.parse(await fs.readFile(path.join(userData, journalFileName), 'utf8')) as { finished: boolean; done: Record<string, unknown> };
    journal.finished = false;
    const index = JSON.parse(await fs.readFile(path.join(userData, 'library.json'), 'utf8')) as { files: { id: string }[] };
    for (const victim of victims) {
      if (!victim?.accountId) throw new Error('the demo run saved no statement or invoice');
      const dir = path.dirname(victim.path);
      await fs.link(victim.path, path.join(dir, '.billfold-999999-killed.part'.replace('killed', victim.id)));
      const manifest = JSON.parse(await fs.readFile(path.join(dir, manifestName), 'utf8')) as { files: Record<string, unknown> };
      manifest.files = Object.fromEntries(Object.entries(manifest.files).filter(([name]) => name !== victim.fileName));
      await fs.writeFile(path.join(dir, manifestName), JSON.stringify(manifest));
      index.files = index.files.filter((f) => f.id !== victim.id);
      journal.done = Object.fromEntries(Object.entries(journal.done).filter(([key]) => key !== `${victim.accountId}/${victim.source?.key}`));
    }
    await fs.writeFile(path.join(userData, 'library.json'), JSON.stringify(index));
    await fs.writeFile(path.join(userData, journalFileName), JSON.stringify(journal));

    const second = await setup({ dir: first.dir, demo: first.demo });
    await second.services.cleanedUp;
    const resumed = await second.call<DownloadSummary>('download.everything', { from: month, to: month });
    expect(resumed).toMatchObject({ resumed: true, failed: 0, fetched: 0 });
    const after = await second.call<LibraryList>('library.list', {});
    expect(after.files.map((f) => f.path).sort()).toEqual(library.files.map((f) => f.path).sort());
    for (const victim of victims) {
      const found = after.files.find((f) => f.path === victim?.path);
      expect(found?.source?.key).toBe(victim?.source?.key);
      expect(found?.sha256).toBe(victim?.sha256);
    }
    const names = (await Promise.all([...new Set(after.files.map((f) => path.dirname(f.path)))].map((d) => fs.readdir(d)))).flat();
    expect(names.filter((n) => / \(\d+\)\.[a-z]+$/.test(n))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('an invoice the window saved already is not saved a second time by a download of everything', async () => {
    const { id, call } = await setup();
    const page = await call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: id('spatialflow') });
    const invoice = page.invoices.find((i) => i.hasPdf)!;
    const saved = await call<{ id: string; fileName: string }>('files.saveInvoicePdf', { accountId: id('spatialflow'), invoiceId: invoice.id });
    const month = invoice.periodStart.slice(0, 7);
    const summary = await call<DownloadSummary>('download.everything', { from: month, to: month, accountId: id('spatialflow') });
    const item = summary.items.find((i) => i.key.endsWith(`spatialflow:invoice:${invoice.id}`));
    expect(item).toMatchObject({ state: 'skipped', fileId: saved.id, fileName: saved.fileName });
    const library = await call<LibraryList>('library.list', {});
    expect(library.files.filter((f) => f.kind === 'invoice-pdf' && f.fileName.startsWith(saved.fileName.replace(/\.pdf$/, '')))).toHaveLength(1);
    // Known now as that provider document: the next run skips it by its source.
    expect(library.files.find((f) => f.id === saved.id)?.source?.key).toBe(`spatialflow:invoice:${invoice.id}`);
  });

  it('a Soracom statement the window saved is skipped by a download of everything, and the window finds the one a download saved', async () => {
    const { id, call } = await setup();
    const month = thisMonth();
    const yyyyMM = month.replace('-', '');
    const saved = await call<{ id: string; fileName: string; path: string }>('files.saveSoracomStatement', { accountId: id('soracom'), yyyyMM });
    const summary = await call<DownloadSummary>('download.everything', { from: month, to: month, accountId: id('soracom') });
    const item = summary.items.find((i) => i.kind === 'soracom-statement-pdf');
    expect(item).toMatchObject({ state: 'skipped', fileId: saved.id, fileName: saved.fileName });
    const names = await fs.readdir(path.dirname(saved.path));
    expect(names.filter((n) => n.startsWith('Soracom statement'))).toEqual([saved.fileName]);

    // The other way round: the month the download saved, saved again from the window.
    const previous = new Date(`${month}-01T00:00:00Z`);
    previous.setUTCMonth(previous.getUTCMonth() - 1);
    const earlier = previous.toISOString().slice(0, 7);
    const run = await call<DownloadSummary>('download.everything', { from: earlier, to: earlier, accountId: id('soracom') });
    const downloaded = run.items.find((i) => i.kind === 'soracom-statement-pdf' && i.state === 'fetched');
    expect(downloaded).toBeDefined();
    const fromWindow = await call<{ id: string; alreadySaved?: boolean }>('files.saveSoracomStatement', { accountId: id('soracom'), yyyyMM: earlier.replace('-', '') });
    expect(fromWindow).toMatchObject({ id: downloaded!.fileId, alreadySaved: true });
    expect((await fs.readdir(path.dirname(saved.path))).filter((n) => / \(\d+\)\.[a-z]+$/.test(n))).toEqual([]);
  }, 60_000);

  it('a document whose fetch fails for another reason than the disk is reported as that failure, not as a save in the folder, and the rest is saved', async () => {
    const { services, id, call } = await setup();
    const page = await call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: id('spatialflow') });
    // Four invoices (one a month): three fail, each in its own way, and one is saved.
    const invoices = page.invoices.filter((i) => i.hasPdf).slice(0, 4);
    expect(invoices).toHaveLength(4);
    const months = invoices.map((i) => i.periodStart.slice(0, 7)).sort();
    const [program, provider, disk] = invoices;
    const failures = new Map<string, Error>([
      // A provider answer of a shape the code reading it did not expect.
      [program!.id, new TypeError("Cannot read properties of undefined (reading 'length')")],
      [provider!.id, new AppError('server', 'SpatialFlow answered with an error (HTTP 502).', { status: 502 })],
      [disk!.id, Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' })],
    ]);
    const realClient = services.accounts.client.bind(services.accounts);
    vi.spyOn(services.accounts, 'client').mockImplementation(async (provider, accountId) => {
      const real = await realClient(provider, accountId);
      if (!('fetchInvoicePdf' in real)) return real;
      const fetchInvoicePdf: typeof real.fetchInvoicePdf = (invoiceId, o) => {
        const failure = failures.get(invoiceId);
        return failure ? Promise.reject(failure) : real.fetchInvoicePdf(invoiceId, o);
      };
      return { ...real, fetchInvoicePdf };
    });

    const summary = await call<DownloadSummary>('download.everything', { from: months[0], to: months.at(-1), accountId: id('spatialflow') });
    const reasonOf = (invoiceId: string) => summary.items.find((i) => i.key.endsWith(`spatialflow:invoice:${invoiceId}`))?.reason;
    const folder = path.join((await call<{ downloadsFolder: string }>('settings.get', {})).downloadsFolder, 'SpatialFlow (demo)');
    expect(reasonOf(program!.id)).toEqual({ code: 'internal', message: "Cannot read properties of undefined (reading 'length')" });
    expect(reasonOf(provider!.id)).toEqual({ code: 'server', message: 'SpatialFlow answered with an error (HTTP 502).' });
    // Only the disk's own failure is said as a save that failed in the folder.
    expect(reasonOf(disk!.id)).toMatchObject({ code: 'disk_full', message: expect.stringContaining(`the disk that holds ${folder} is full`) as unknown });
    expect(summary.failed).toBe(3);
    expect(summary.fetched).toBe(summary.items.length - 3);
    expect(summary.fetched).toBeGreaterThan(0);
    expect((await fs.readdir(folder)).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('refuses a period that ends before it starts, and a second run while one is going', async () => {
    const { services, call } = await setup();
    const reply = await services.router.handle('download.everything', { from: '2026-05', to: '2026-01' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    const month = thisMonth();
    const running = call<DownloadSummary>('download.everything', { from: month, to: month });
    const second = await services.router.handle('download.everything', { from: month, to: month });
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await running;
  });
});
