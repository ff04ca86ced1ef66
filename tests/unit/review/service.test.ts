import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../../contract/errors';
import type { AccountList, AccountSummary } from '../../../contract/models/app';
import { AppError } from '../../../main/http/errors';
import type { EventSink } from '../../../main/router/types';
import { cannotReviewMessage, createReviewService } from '../../../main/services/review';
import { readLayout } from '../../../main/review/engine';
import { checkReviewPath, ReviewPathError } from '../../../main/review/session';
import { inlineRunner, runJob, threadPool, threadRunner, type RunnerFactory } from '../../../main/review/threads';
import { generateDetailedCsv, summarizeMonth } from '../../../main/sandbox/soracom/csv';
import type { Snapshot } from '../../../main/snapshots/store';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-service-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const month = { yyyyMM: '202404', seed: 9, sims: 6, currency: 'USD' as const };
const csvFile = path.join(tmp, 'billing-202404.csv');
fs.writeFileSync(csvFile, generateDetailedCsv(month));
const usage = summarizeMonth(month);

const soracomAccount: AccountSummary = { id: 'acc-1', name: 'Fleet', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };

function service(opts: { live?: Envelope<unknown>; snapshot?: Snapshot; chosen?: string; runner?: RunnerFactory; cacheDir?: string } = {}) {
  const progress: unknown[] = [];
  const events: EventSink = { emit: (event, payload) => void (event === 'task.progress' && progress.push(payload)) };
  const calls: unknown[] = [];
  const list: AccountList = { accounts: [soracomAccount], keychain: { available: true }, notices: [] };
  const review = createReviewService({
    platform: { chooseFile: () => Promise.resolve(opts.chosen) },
    dropped: { pathOf: (dropId) => droppedPaths.get(dropId) ?? '' },
    libraryPath: () => Promise.reject(new AppError('not_found', 'That file is no longer in the library.')),
    events,
    listAccounts: () => Promise.resolve(list),
    call: (channel, args) => {
      calls.push([channel, args]);
      return Promise.resolve(opts.live ?? { ok: false, error: { code: 'network', message: 'Soracom cannot be reached.' } });
    },
    snapshots: { get: () => Promise.resolve(opts.snapshot) },
    runner: opts.runner ?? inlineRunner,
    workers: 2,
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
  });
  return { h: review.handlers, files: review.files, progress, calls, close: review.close };
}

const ctx = { events: { emit: () => undefined } };

/** Stands in for the drop store: the review service gets the path behind an id, as after a real drop. */
const droppedPaths = new Map<string, string>();
function openFile(h: ReturnType<typeof service>['h'], file: string) {
  const dropId = `drop-${String(droppedPaths.size).padStart(12, '0')}`;
  droppedPaths.set(dropId, file);
  return h['review.openDropped']({ dropId }, ctx);
}

describe('review channels', () => {
  it('opens a chosen file with its first rows at once, then the summary, and reports progress', async () => {
    const { h, progress } = service({ chosen: csvFile });
    const opened = await h['review.choose']({}, ctx);
    expect(opened?.fileName).toBe('billing-202404.csv');
    expect(opened?.firstRows.length).toBe(100);
    expect(opened?.roles).toEqual({ date: 'date', item: 'billItemName', amount: 'amount', device: 'imsi', groups: ['tag:name', 'tag:location', 'group'] });
    const summary = await h['review.summary']({ sessionId: opened?.sessionId ?? '', top: 3 }, ctx);
    expect(summary.rows).toBe(usage.rows);
    expect(summary.total).toBe((usage.totalMinor / 100).toFixed(2).replace(/\.?0+$/, ''));
    expect(summary.month).toBe('202404');
    expect(summary.currency.code).toBe('JPY');
    expect(summary.byDevice?.top).toHaveLength(3);
    expect(summary.byDevice?.distinct).toBe(7); // six SIMs and the account-level rows
    expect(summary.byDevice?.others?.values).toBe(4);
    expect(summary.byDay).toHaveLength(30);
    expect(summary.monthlyRows.map((t) => t.key)).toEqual(['202404']);
    expect(progress.at(-1)).toMatchObject({ taskId: opened?.taskId, state: 'done' });
  });

  it('closing waits for the summaries being kept, so a command that exits next leaves a whole entry and no temporary file', async () => {
    const cacheDir = path.join(tmp, 'review-cache');
    const { h, close, progress } = service({ cacheDir });
    const opened = await openFile(h, csvFile);
    await h['review.summary']({ sessionId: opened.sessionId, top: 3 }, ctx);
    await close();
    const reading = (list: unknown[]) => list.filter((p) => (p as { state?: string }).state === 'running');
    expect(reading(progress).length).toBeGreaterThan(0);
    const names = fs.readdirSync(cacheDir);
    expect(names.filter((n) => n.endsWith('.summary'))).toHaveLength(1);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // The next review of the file opens its totals from there.
    const again = service({ cacheDir });
    const reopened = await openFile(again.h, csvFile);
    expect((await again.h['review.summary']({ sessionId: reopened.sessionId, top: 3 }, ctx)).rows).toBe(usage.rows);
    // Read from the cache: no progress of reading the file.
    expect(reading(again.progress)).toEqual([]);
    await again.close();
  });

  it('answers null when the dialog is cancelled', async () => {
    expect(await service().h['review.choose']({}, ctx)).toBeNull();
  });

  it('opens only .csv files that exist, and a missing file reads like one that is not a bill, without its contents', async () => {
    const { h } = service();
    const notBilling = path.join(tmp, 'notes.csv');
    fs.writeFileSync(notBilling, 'secret-header-a,secret-header-b\n1,2\n');
    const failures = await Promise.all(
      ['/etc/passwd', path.join(tmp, 'missing.csv'), 'relative.csv', notBilling, tmp].map((file) =>
        openFile(h, file).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(AppError);
      expect((failure as AppError).toInfo()).toEqual({ code: 'validation', message: cannotReviewMessage });
    }
    expect(cannotReviewMessage).not.toMatch(/secret-header/);
  });

  it('a file named on the command line opens whatever its name and says why it cannot be reviewed; a page still gets one message and .csv only', async () => {
    const { h, files } = service();
    const txt = path.join(tmp, 'billing-202404.txt');
    fs.copyFileSync(csvFile, txt);
    const empty = path.join(tmp, 'empty.csv');
    fs.writeFileSync(empty, '');
    const opened = await files.open(txt);
    expect((await files.summary(opened.sessionId)).rows).toBe(usage.rows);
    await expect(files.open(empty)).rejects.toMatchObject({ code: 'validation', message: 'The file is empty.' });
    for (const file of [txt, empty]) await expect(openFile(h, file)).rejects.toMatchObject({ code: 'validation', message: cannotReviewMessage });
  });

  it('reconciles the total with the live bill of the month', async () => {
    const bill = { yearMonth: '202404', amount: { minor: usage.totalMinor - 25, currency: 'USD' }, state: 'closed' };
    const { h, calls } = service({ live: { ok: true, value: bill } });
    const opened = await openFile(h, csvFile);
    const rec = await h['review.reconcile']({ sessionId: opened.sessionId }, ctx);
    expect(calls).toEqual([['soracom.getBilling', { accountId: 'acc-1', yyyyMM: '202404' }]]);
    expect(rec.month).toBe('202404');
    expect(rec.matches).toEqual([
      {
        accountId: 'acc-1',
        accountName: 'Fleet',
        source: 'live',
        bill: bill.amount,
        state: 'closed',
        csvTotal: { minor: usage.totalMinor, currency: 'USD' },
        csvRounded: false,
        difference: { minor: 25, currency: 'USD' },
      },
    ]);
  });

  it('falls back to the offline snapshot of the bill, and says when there is none', async () => {
    const snapshot = { value: { yearMonth: '202404', amount: { minor: usage.totalMinor, currency: 'USD' } }, syncedAt: '2024-05-02T00:00:00.000Z' };
    const offline = service({ snapshot });
    const opened = await openFile(offline.h, csvFile);
    const rec = await offline.h['review.reconcile']({ sessionId: opened.sessionId }, ctx);
    expect(rec.matches[0]).toMatchObject({ source: 'offline', syncedAt: snapshot.syncedAt, difference: { minor: 0, currency: 'USD' } });

    const none = service();
    const again = await openFile(none.h, csvFile);
    const nothing = await none.h['review.reconcile']({ sessionId: again.sessionId }, ctx);
    expect(nothing.matches).toEqual([]);
    expect(nothing.unavailable).toEqual([{ accountId: 'acc-1', accountName: 'Fleet', message: 'Soracom cannot be reached.' }]);
  });

  it('pages the malformed records and forgets closed reviews', async () => {
    const { h } = service();
    const opened = await openFile(h, path.resolve('tests/fixtures/review/quirks.csv'));
    const page = await h['review.malformed']({ sessionId: opened.sessionId, offset: 2, limit: 3 }, ctx);
    expect(page.total).toBe(11);
    expect(page.listed).toBe(11);
    expect(page.rows.map((r) => r.reason)).toEqual(['amount', 'amount', 'amount']);
    const rec = await h['review.reconcile']({ sessionId: opened.sessionId }, ctx);
    expect(rec.reason).toMatch(/several months \(202402, 202405\)/);
    expect(await h['review.close']({ sessionId: opened.sessionId }, ctx)).toEqual({ closed: true });
    await expect(h['review.summary']({ sessionId: opened.sessionId }, ctx)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('opening a dropped file', () => {
  it('refuses links and network paths, even when they lead to a real CSV', async () => {
    const { h } = service();
    const link = path.join(tmp, 'link-to-bill.csv');
    fs.symlinkSync(csvFile, link);
    const refused = { code: 'validation', message: cannotReviewMessage };
    await expect(openFile(h, link)).rejects.toMatchObject(refused);
    // To POSIX, `//tmp/…` is the same file as `/tmp/…`; to Windows it is a share on another host.
    await expect(openFile(h, `/${csvFile}`)).rejects.toMatchObject(refused);
    await expect(openFile(h, '\\\\fileserver\\bills\\202404.csv')).rejects.toMatchObject(refused);
    // The real file itself still opens.
    const opened = await openFile(h, csvFile);
    expect(opened.fileName).toBe('billing-202404.csv');
    expect((await h['review.summary']({ sessionId: opened.sessionId }, ctx)).rows).toBe(usage.rows);
  });

  it('on Windows refuses UNC, device, drive-relative and alternate-stream paths', () => {
    for (const bad of ['\\\\server\\share\\a.csv', '//server/share/a.csv', '\\\\?\\C:\\bills\\a.csv', '\\\\.\\pipe\\x.csv', '\\\\?\\UNC\\server\\s\\a.csv', 'C:a.csv', '\\bills\\a.csv', 'C:\\bills\\a.csv:hidden.csv']) {
      expect(() => checkReviewPath(bad, 'win32'), bad).toThrow(ReviewPathError);
    }
    expect(() => checkReviewPath('C:\\Users\\me\\Documents\\bill.csv', 'win32')).not.toThrow();
    expect(() => checkReviewPath('/home/me/bill.csv', 'linux')).not.toThrow();
  });

  it('opens the file and reads its first page without synchronous file access on the main thread', async () => {
    // The summary itself runs in worker threads; here it never starts, so only the opening is watched.
    const { h } = service({ runner: () => ({ run: () => new Promise(() => undefined), terminate: () => undefined }) });
    const names = ['statSync', 'lstatSync', 'fstatSync', 'openSync', 'readSync', 'readFileSync'] as const;
    const spies = names.map((name) => vi.spyOn(fs, name));
    let opened;
    const calls: Record<string, number> = {};
    try {
      opened = await openFile(h, csvFile);
    } finally {
      names.forEach((name, i) => (calls[name] = spies[i]!.mock.calls.length));
      for (const spy of spies) spy.mockRestore();
    }
    expect(opened.firstRows.length).toBe(100);
    expect(calls).toEqual(Object.fromEntries(names.map((name) => [name, 0])));
  });
});

describe('closing a review that is still being read', () => {
  // A worker that never answers: the summary stays pending until the review is closed.
  const silentWorker = path.join(tmp, 'silent-worker.cjs');
  fs.writeFileSync(silentWorker, "require('node:worker_threads').parentPort.on('message', () => undefined);\n");

  it('answers the pending summary, rows and reconciliation calls with "cancelled"', async () => {
    const { h, progress } = service({ runner: threadRunner(silentWorker) });
    const opened = await openFile(h, csvFile);
    const sessionId = opened.sessionId;
    const pending = [
      h['review.summary']({ sessionId }, ctx),
      h['review.rows']({ sessionId, offset: 150, limit: 10 }, ctx),
      h['review.reconcile']({ sessionId }, ctx),
    ];
    for (const p of pending) p.catch(() => undefined);
    expect(await h['review.close']({ sessionId }, ctx)).toEqual({ closed: true });
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setImmediate(r));
    expect(progress.at(-1)).toMatchObject({ taskId: opened.taskId, state: 'cancelled' });
  });

  it('answers the pending calls of a review evicted by newer ones', async () => {
    const { h, close } = service({ runner: threadRunner(silentWorker) });
    const first = await openFile(h, csvFile);
    const summary = h['review.summary']({ sessionId: first.sessionId }, ctx);
    summary.catch(() => undefined);
    for (let i = 0; i < 4; i++) await openFile(h, csvFile);
    await expect(summary).rejects.toMatchObject({ code: 'cancelled' });
    close();
  });
});

describe('many reviews opened at once', () => {
  // A worker answering a summary with the totals of csvFile (summed here beforehand) a moment
  // later, and never answering one of a file whose name says "hang".
  const reply = path.join(tmp, 'summary-reply.bin');
  const fd = fs.openSync(csvFile, 'r');
  const size = fs.fstatSync(fd).size;
  const layout = readLayout(fd, size);
  fs.closeSync(fd);
  fs.writeFileSync(reply, v8.serialize(runJob({ kind: 'summarize', jobs: [{ path: csvFile, start: layout.dataStart, end: size, layout, keepMalformed: 1000, indexEvery: 64, alignStart: false }] })));
  const worker = path.join(tmp, 'reply-worker.cjs');
  fs.writeFileSync(
    worker,
    `const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const v8 = require('node:v8');
parentPort.on('message', (job) => {
  if (job.kind !== 'summarize' || job.jobs[0].path.includes('hang')) return;
  setTimeout(() => parentPort.postMessage({ type: 'summary', result: v8.deserialize(fs.readFileSync(${JSON.stringify(reply)})) }), 20);
});
`,
  );
  const hangFile = path.join(tmp, 'hang-202404.csv');
  fs.copyFileSync(csvFile, hangFile);

  /** The pool's runners, noting the most threads alive whenever one is asked for. */
  function counted(pool: ReturnType<typeof threadPool>) {
    const seen = { peak: 0 };
    const runner: RunnerFactory = () => {
      const r = pool.runner();
      seen.peak = Math.max(seen.peak, pool.threads());
      return r;
    };
    const timer = setInterval(() => (seen.peak = Math.max(seen.peak, pool.threads())), 1);
    return { runner, seen, stop: () => clearInterval(timer) };
  }

  it('start no more review threads than the bound, and every call answers', async () => {
    // Two threads at most (twice the one kept); each review asks for two.
    const pool = threadPool(worker, 1);
    const { runner, seen, stop } = counted(pool);
    const { h, close } = service({ runner });
    try {
      const opened = await Promise.all(Array.from({ length: 12 }, () => openFile(h, csvFile)));
      expect(opened.every((o) => o.firstRows.length === 100)).toBe(true);
      const summaries = await Promise.allSettled(opened.map((o) => h['review.summary']({ sessionId: o.sessionId }, ctx)));
      // The four reviews kept open get their totals; the others were closed to make room and say so.
      const read = summaries.flatMap((s) => (s.status === 'fulfilled' ? [s.value.rows] : []));
      expect(read).toEqual([usage.rows, usage.rows, usage.rows, usage.rows]);
      for (const s of summaries) if (s.status === 'rejected') expect(['not_found', 'cancelled']).toContain((s.reason as AppError).code);
      expect(seen.peak).toBe(2);
    } finally {
      stop();
      await close();
      pool.close();
    }
  });

  it('a small file still being read holds one thread: the next review reads on the other meanwhile', async () => {
    const pool = threadPool(worker, 1);
    const { h, close } = service({ runner: pool.runner });
    try {
      // Both threads are asked for as it opens; its summary (one range) never ends.
      await openFile(h, hangFile);
      const next = await openFile(h, csvFile);
      expect((await h['review.summary']({ sessionId: next.sessionId }, ctx)).rows).toBe(usage.rows);
    } finally {
      await close();
      pool.close();
    }
  });

  it('a review closed while it waits for a thread answers "cancelled" and leaves its place to the next', async () => {
    const pool = threadPool(worker, 1);
    const { runner, seen, stop } = counted(pool);
    const { h, close } = service({ runner });
    try {
      // Two reviews whose summaries never end hold both threads until they are closed.
      const busy = await openFile(h, hangFile);
      await openFile(h, hangFile);
      const waiting = await openFile(h, csvFile);
      const next = await openFile(h, csvFile);
      const waited = h['review.summary']({ sessionId: waiting.sessionId }, ctx);
      const nextSummary = h['review.summary']({ sessionId: next.sessionId }, ctx);
      waited.catch(() => undefined);
      nextSummary.catch(() => undefined);
      await h['review.close']({ sessionId: waiting.sessionId }, ctx);
      await expect(waited).rejects.toMatchObject({ code: 'cancelled' });
      // The thread this frees goes to the review after the closed one.
      await h['review.close']({ sessionId: busy.sessionId }, ctx);
      expect((await nextSummary).rows).toBe(usage.rows);
      expect(seen.peak).toBe(2);
    } finally {
      stop();
      await close();
      pool.close();
    }
  });
});
