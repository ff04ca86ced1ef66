import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLayout } from '../../../main/review/engine';
import { summarizeFile, warmUpTotals } from '../../../main/review/summarize';
import { inlineRunner, threadPool, type JobRunner, type WorkerJob } from '../../../main/review/threads';
import { generateDetailedCsv } from '../../../main/sandbox/soracom/csv';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-pool-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// A worker speaking the review worker's protocol: a filter job is answered with the thread's id
// (which thread ran it), a job on the path "hang" is never answered, a warm-up is not answered.
const script = path.join(tmp, 'id-worker.cjs');
fs.writeFileSync(
  script,
  `const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (job) => {
  if (job.kind === 'warm-up' || job.job.path === 'hang') return;
  parentPort.postMessage({ type: 'filter', rows: Uint32Array.of(threadId) });
});
`,
);

const job = (p = 'file.csv'): WorkerJob => ({
  kind: 'filter',
  job: { path: p, start: 0, end: 0, rowBase: 0, layout: {} as never, filter: { text: '' } },
});

/** Runs one job on a fresh runner of the pool and lets the runner go; the id of the thread that ran it. */
async function threadOf(runner: JobRunner): Promise<number> {
  try {
    return ((await runner.run(job())) as Uint32Array)[0] as number;
  } finally {
    runner.terminate();
  }
}

describe('review threads kept between jobs', () => {
  it('a later job runs on a thread kept from an earlier one, up to the number kept', async () => {
    const pool = threadPool(script, 2);
    try {
      const first = await Promise.all([threadOf(pool.runner()), threadOf(pool.runner()), threadOf(pool.runner())]);
      expect(new Set(first).size).toBe(3);
      const again = await Promise.all([threadOf(pool.runner()), threadOf(pool.runner())]);
      // Two of the three were kept: both later jobs ran on them.
      expect(again.every((id) => first.includes(id))).toBe(true);
      expect(new Set(again).size).toBe(2);
    } finally {
      pool.close();
    }
  });

  it('threads started ahead run the first jobs', async () => {
    const pool = threadPool(script, 2);
    try {
      pool.prestart();
      // A thread started after the pool's (thread ids grow in order of start).
      const marker = await threadOf(threadPool(script, 0).runner());
      const ids = await Promise.all([threadOf(pool.runner()), threadOf(pool.runner())]);
      expect(ids.every((id) => id < marker)).toBe(true);
    } finally {
      pool.close();
    }
  });

  it('starting ahead again starts only the threads that are not running', async () => {
    const pool = threadPool(script, 2);
    try {
      // A view reviews open from asks each time it is shown.
      expect(pool.prestart()).toBe(2);
      expect(pool.prestart()).toBe(0);
      const ids = await Promise.all([threadOf(pool.runner()), threadOf(pool.runner())]);
      expect(pool.prestart()).toBe(0);
      expect(await Promise.all([threadOf(pool.runner()), threadOf(pool.runner())])).toEqual(expect.arrayContaining(ids));
    } finally {
      pool.close();
    }
  });

  it('starting ahead during a review counts the threads the review has', async () => {
    const pool = threadPool(script, 2);
    try {
      const busy = [pool.runner(), pool.runner()];
      const pending = busy.map((r) => r.run(job('hang')));
      for (const p of pending) p.catch(() => undefined);
      // The review's two threads come back when it is done: none to start.
      expect(pool.prestart()).toBe(0);
      for (const r of busy) r.terminate();
      // Stopped mid-job, they were ended: two to start now.
      expect(pool.prestart()).toBe(2);
    } finally {
      pool.close();
    }
  });

  it('a stopped job ends its thread: the next job runs on another one', async () => {
    const pool = threadPool(script, 1);
    try {
      const kept = await threadOf(pool.runner());
      const runner = pool.runner();
      const pending = runner.run(job('hang'));
      pending.catch(() => undefined);
      runner.terminate();
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
      const next = await threadOf(pool.runner());
      expect(next).not.toBe(kept);
    } finally {
      pool.close();
    }
  });

  it('idle threads are let go after a while', async () => {
    const pool = threadPool(script, 1, 50);
    try {
      const kept = await threadOf(pool.runner());
      expect(await threadOf(pool.runner())).toBe(kept);
      await new Promise((r) => setTimeout(r, 200));
      expect(await threadOf(pool.runner())).not.toBe(kept);
    } finally {
      pool.close();
    }
  });
});

describe('warming up the totals at start-up', () => {
  it('changes nothing a later summary finds', async () => {
    const file = path.join(tmp, 'month.csv');
    fs.writeFileSync(file, generateDetailedCsv({ yyyyMM: '202405', seed: 5, sims: 40, currency: 'USD' }));
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    const layout = readLayout(fd, size);
    fs.closeSync(fd);
    const summarize = () => summarizeFile(file, layout, size, { runner: inlineRunner, workers: 2, minSplitBytes: 0 });
    const before = await summarize();
    await warmUpTotals();
    const after = await summarize();
    expect(after.byItem).toEqual(before.byItem);
    expect(after.byDevice).toEqual(before.byDevice);
    expect(after.byGroupMonth).toEqual(before.byGroupMonth);
    expect(after.deviceGroups).toEqual(before.deviceGroups);
    expect(after.byDevice.length).toBeGreaterThan(30);
  });
});
