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

/** Waits until `check` holds (a thread's exit is reported a moment after it is ended). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 200) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('review threads bounded across reviews', () => {
  it('many jobs asked for at once all answer, on no more threads than the bound', async () => {
    const pool = threadPool(script, 2);
    try {
      let peak = 0;
      const runners = Array.from({ length: 20 }, () => {
        const runner = pool.runner();
        peak = Math.max(peak, pool.threads());
        return runner;
      });
      const ids = await Promise.all(runners.map((runner) => threadOf(runner)));
      expect(ids).toHaveLength(20);
      // Twice the threads kept: the other jobs waited for one of them to come back.
      expect(peak).toBe(4);
      expect(new Set(ids).size).toBe(4);
    } finally {
      pool.close();
    }
  });

  it('a job beyond the bound waits for a thread to come back, first asked first served', async () => {
    const pool = threadPool(script, 1);
    const busy = [pool.runner(), pool.runner()];
    try {
      for (const runner of busy) runner.run(job('hang')).catch(() => undefined);
      const order: string[] = [];
      const first = threadOf(pool.runner()).then(() => order.push('first'));
      const second = threadOf(pool.runner()).then(() => order.push('second'));
      await new Promise((r) => setTimeout(r, 100));
      expect(order).toEqual([]);
      expect(pool.threads()).toBe(2);
      // A review closed mid-job: its thread is ended, and a new one starts for the first in line.
      (busy[0] as JobRunner).terminate();
      await first;
      expect(order).toEqual(['first']);
      await second;
      expect(order).toEqual(['first', 'second']);
      expect(pool.threads()).toBeLessThanOrEqual(2);
    } finally {
      for (const runner of busy) runner.terminate();
      pool.close();
    }
  });

  it('a waiting job of a review closed meanwhile answers "cancelled" and takes no thread', async () => {
    const pool = threadPool(script, 1);
    const busy = [pool.runner(), pool.runner()];
    try {
      for (const runner of busy) runner.run(job('hang')).catch(() => undefined);
      const closed = pool.runner();
      const pending = closed.run(job());
      pending.catch(() => undefined);
      const later = pool.runner();
      closed.terminate();
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
      // The next thread goes to the runner after it, not to the closed one.
      (busy[0] as JobRunner).terminate();
      expect(await threadOf(later)).toBeGreaterThan(0);
      (busy[1] as JobRunner).terminate();
      // Nothing waits any more: the threads that ran the hung jobs exit and none starts.
      await until(() => pool.threads() <= 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(pool.threads()).toBeLessThanOrEqual(1);
    } finally {
      for (const runner of busy) runner.terminate();
      pool.close();
    }
  });

  it('threads started ahead are taken at once by the first review, without waiting', async () => {
    const pool = threadPool(script, 2);
    try {
      expect(pool.prestart()).toBe(2);
      const runners = [pool.runner(), pool.runner()];
      expect(pool.threads()).toBe(2);
      const ids = await Promise.all(runners.map((runner) => threadOf(runner)));
      expect(new Set(ids).size).toBe(2);
      expect(pool.threads()).toBe(2);
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
