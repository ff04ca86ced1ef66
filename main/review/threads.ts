/**
 * Where summary and filter jobs run: worker threads of the bundled worker script (worker.ts),
 * some kept between jobs, or this thread (tests, and when the script is missing).
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { CancelledError, filterRange, summarizeRanges, TooLargeError, type FilterJob, type PackedTables, type RangeJob, type RangeStats } from './engine';
import { AppError } from '../http/errors';

/** What pending work of a stopped runner (a closed or evicted review) is rejected with. */
export const closedError = () => new AppError('cancelled', 'This review was closed before it finished. Open the file again.');

export type WorkerJob = { kind: 'summarize'; jobs: RangeJob[] } | { kind: 'filter'; job: FilterJob };

/** What a thread is sent: a job, or (a thread started ahead) a made-up export of this many SIMs and days to sum first, with no reply. */
export type WorkerMessage = WorkerJob | { kind: 'warm-up'; sims: number; days: number };

export interface RangesResult {
  parts: RangeStats[];
  tables: PackedTables;
}

export type WorkerReply =
  | { type: 'progress'; bytes: number }
  | { type: 'summary'; result: RangesResult }
  | { type: 'filter'; rows: Uint32Array }
  | { type: 'error'; message: string; tooLarge: boolean };

/** One job at a time, in a worker thread or inline. */
export interface JobRunner {
  /** Its jobs run in another thread: the caller's thread is free meanwhile. */
  readonly threaded?: boolean;
  run(job: WorkerJob, onProgress?: (bytes: number) => void): Promise<RangesResult | Uint32Array>;
  terminate(): void;
}

export type RunnerFactory = () => JobRunner;

/** Runs a job in this thread (tests, and the fallback when the worker script is missing). */
export function runJob(job: WorkerJob, onProgress?: (bytes: number) => void, cancelled?: () => boolean): RangesResult | Uint32Array {
  return job.kind === 'summarize' ? summarizeRanges(job.jobs, onProgress, cancelled) : filterRange(job.job, cancelled);
}

export const inlineRunner: RunnerFactory = () => {
  let stopped = false;
  const pending = new Set<(error: Error) => void>();
  return {
    run: (job, onProgress) =>
      new Promise((resolve, reject) => {
        if (stopped) return reject(closedError());
        pending.add(reject);
        // Asynchronous like a worker, so callers see the same ordering.
        setImmediate(() => {
          if (!pending.delete(reject)) return;
          try {
            resolve(runJob(job, onProgress, () => stopped));
          } catch (error) {
            reject(error instanceof CancelledError ? closedError() : error instanceof Error ? error : new Error(String(error)));
          }
        });
      }),
    terminate: () => {
      stopped = true;
      for (const reject of pending) reject(closedError());
      pending.clear();
    },
  };
};

let threadsCompileInPlace = false;

/**
 * Threads started from now on compile their hot code on their own thread. By default V8 compiles
 * in the background: the compiler then competes with the threads' reading for the cores, the row
 * loop runs unoptimized meanwhile, and it is compiled a second time to replace it mid-loop.
 * Compiled in place, it is ready sooner, and once. V8 reads the flag when a thread starts, so the
 * main thread keeps compiling in the background. Plain Node only (the command line, the harness):
 * Electron's V8 takes its flags at launch, and the window starts its threads ahead anyway.
 */
function compileInPlace(): void {
  if (threadsCompileInPlace || process.versions.electron !== undefined) return;
  threadsCompileInPlace = true;
  v8.setFlagsFromString('--no-concurrent-recompilation');
}

function spawnWorker(script: string): Worker {
  compileInPlace();
  // Inside a packaged app the script sits in app.asar, which only Electron's fs can read.
  // A small young generation: the parse allocates little, and a large nursery only raises
  // the peak memory.
  const resourceLimits = { maxYoungGenerationSizeMb: 8 };
  const worker = script.includes(`.asar${path.sep}`)
    ? new Worker(fs.readFileSync(script, 'utf8'), { eval: true, resourceLimits })
    : new Worker(script, { resourceLimits });
  worker.unref();
  return worker;
}

/** Worker threads of the bundled worker script, some kept between jobs. */
export interface ThreadPool {
  runner: RunnerFactory;
  /**
   * Starts the threads to keep that are not running, so that a review opened later finds their
   * code compiled, and keeps the idle ones for another `idleMs`; how many it started.
   */
  prestart(): number;
  /** Stops the idle threads. */
  close(): void;
  /** Threads alive now: running a job, kept, or still exiting. */
  threads(): number;
}

/**
 * Up to `keep` threads stay after their job, for `idleMs`: a new thread spends its first
 * hundreds of milliseconds compiling the summary's code, which a kept one has done already.
 * A thread whose job was stopped (a closed review) is terminated, never kept.
 *
 * At most `max` threads are alive at once (running, kept or still exiting): many reviews opened
 * together would otherwise start threads without limit before the number of open reviews is
 * capped. A runner asked for beyond that waits, first come first served, for a thread to come
 * back; stopped while waiting, it leaves the queue.
 */
export function threadPool(script: string, keep: number, idleMs = 5 * 60_000, max = Math.max(1, 2 * keep)): ThreadPool {
  const idle: Worker[] = [];
  /** Runners waiting for a thread, oldest first. */
  const waiting: ((worker: Worker) => void)[] = [];
  /** Threads started and not yet exited. */
  let alive = 0;
  let timer: NodeJS.Timeout | undefined;
  const dropIdle = () => {
    for (const worker of idle.splice(0)) void worker.terminate();
  };
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(dropIdle, idleMs);
    timer.unref();
  };
  const spawn = () => {
    const worker = spawnWorker(script);
    alive++;
    worker.once('exit', () => {
      alive--;
      const i = idle.indexOf(worker);
      if (i >= 0) idle.splice(i, 1);
      while (waiting.length > 0 && alive < max) (waiting.shift() as (worker: Worker) => void)(spawn());
    });
    return worker;
  };
  /** Threads lent to runners (running a job, or about to). */
  let lent = 0;
  const lend = (worker: Worker) => {
    lent++;
    return workerRunner(worker, release);
  };
  function release(worker: Worker, reusable: boolean) {
    lent--;
    // A waiting runner gets this thread, or (when it is ended) the one started once it has exited.
    if (!reusable) void worker.terminate();
    else if (waiting.length > 0) (waiting.shift() as (worker: Worker) => void)(worker);
    else if (idle.length < keep) {
      idle.push(worker);
      touch();
    } else void worker.terminate();
  }
  return {
    runner: () => {
      const worker = idle.pop() ?? (alive < max ? spawn() : undefined);
      return worker ? lend(worker) : waitingRunner(waiting, lend);
    },
    prestart: () => {
      let started = 0;
      // Threads lent to a review count: they come back when it is done.
      for (; idle.length + lent < keep && alive < max; started++) {
        const worker = spawn();
        // As many SIMs as a large fleet's day, so the code a real file needs is compiled now.
        worker.postMessage({ kind: 'warm-up', sims: 3000, days: 4 } satisfies WorkerMessage);
        idle.push(worker);
      }
      touch();
      return started;
    },
    close: () => {
      clearTimeout(timer);
      dropIdle();
    },
    threads: () => alive,
  };
}

/** A fresh worker thread per job, from the bundled worker script, as many at once as asked for. */
export function threadRunner(script: string): RunnerFactory {
  return threadPool(script, 0, undefined, Infinity).runner;
}

/** A runner whose thread is not free yet: its job starts once the pool hands it one through `waiting`. */
function waitingRunner(waiting: ((worker: Worker) => void)[], lend: (worker: Worker) => JobRunner): JobRunner {
  let runner: JobRunner | undefined;
  let stopped = false;
  let give: (runner: JobRunner) => void = () => undefined;
  let leave: (error: Error) => void = () => undefined;
  const ready = new Promise<JobRunner>((resolve, reject) => {
    give = resolve;
    leave = reject;
  });
  ready.catch(() => undefined);
  const take = (worker: Worker) => {
    runner = lend(worker);
    give(runner);
  };
  waiting.push(take);
  return {
    threaded: true,
    run: (job, onProgress) => (runner ? runner.run(job, onProgress) : ready.then((r) => r.run(job, onProgress))),
    terminate: () => {
      if (stopped) return;
      stopped = true;
      if (runner) return runner.terminate();
      waiting.splice(waiting.indexOf(take), 1);
      leave(closedError());
    },
  };
}

/** Runs jobs on `worker`; when done with, it goes back through `release`, reusable when no job was running. */
function workerRunner(worker: Worker, release: (worker: Worker, reusable: boolean) => void): JobRunner {
  let stopped = false;
  let busy = false;
  let broken = false;
  /** Rejects the job in progress; set while one runs. */
  let fail: ((error: Error) => void) | undefined;
  return {
    threaded: true,
    run: (job, onProgress) =>
      new Promise((resolve, reject) => {
        if (stopped) return reject(closedError());
        busy = true;
        const settle = () => {
          busy = false;
          fail = undefined;
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        const onMessage = (reply: WorkerReply) => {
          if (reply.type === 'progress') return onProgress?.(reply.bytes);
          settle();
          if (reply.type === 'summary') resolve(reply.result);
          else if (reply.type === 'filter') resolve(reply.rows);
          else reject(reply.tooLarge ? new TooLargeError(reply.message) : new Error(reply.message));
        };
        const onError = (error: Error) => {
          broken = true;
          settle();
          reject(error);
        };
        const onExit = () => {
          broken = true;
          settle();
          reject(stopped ? closedError() : new Error('The review worker stopped.'));
        };
        fail = (error) => {
          settle();
          reject(error);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.postMessage(job);
      }),
    terminate: () => {
      if (stopped) return;
      stopped = true;
      const reusable = !busy && !broken;
      // Pending work answers at once: a closed or evicted review must not leave calls hanging.
      if (!reusable) fail?.(closedError());
      release(worker, reusable);
    },
  };
}

/** The bundled worker script next to the running bundle (dist/main, dist/harness, dist/bench). */
export function bundledWorkerScript(): string | undefined {
  const dir = typeof __dirname === 'string' ? __dirname : undefined;
  if (dir === undefined) return undefined;
  const file = path.join(dir, 'review-worker.cjs');
  return fs.existsSync(file) ? file : undefined;
}
