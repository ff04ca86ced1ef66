/**
 * The review worker thread: runs one summary or filter job (engine.ts) off the main thread and
 * posts the result back. Bundled on its own as review-worker.cjs next to the main bundle.
 * Closing a review terminates the thread, which stops the job wherever it is.
 */
import { parentPort } from 'node:worker_threads';
import { TooLargeError, warmUp } from './engine';
import { runJob, type WorkerMessage, type WorkerReply } from './threads';

const port = parentPort;
if (port) {
  // Posting a result moves its buffers out of this thread, and the first buffer ever moved
  // makes V8 throw away all code compiled until then (it assumed no buffer would be). One moved
  // now, before anything is compiled, keeps the compiled code for the jobs after the first.
  const moved = new ArrayBuffer(8);
  structuredClone(moved, { transfer: [moved] });
  // Nothing is summed ahead of the job: the thread compiles the summary in place as it reads
  // (see `compileInPlace` in threads.ts), and a made-up export summed first only delays the job.
  port.on('message', (job: WorkerMessage) => {
    if (job.kind === 'warm-up') {
      // Only a head start: a job sent after it must not fail because of it.
      try {
        warmUp(job.sims, job.days);
      } catch {
        // The job compiles what it needs itself.
      }
      return;
    }
    let lastReport = 0;
    let pending = 0;
    try {
      const result = runJob(job, (bytes) => {
        pending += bytes;
        const now = Date.now();
        if (now - lastReport >= 50) {
          lastReport = now;
          port.postMessage({ type: 'progress', bytes: pending } satisfies WorkerReply);
          pending = 0;
        }
      });
      if (pending > 0) port.postMessage({ type: 'progress', bytes: pending } satisfies WorkerReply);
      if (result instanceof Uint32Array) port.postMessage({ type: 'filter', rows: result } satisfies WorkerReply, [result.buffer as ArrayBuffer]);
      else {
        // The totals are typed arrays: moved to the main thread, not copied.
        const t = result.tables;
        const moved = [t.items, t.devices, ...t.groupKeys].flatMap((k) => [k.bytes.buffer, k.offs.buffer, k.lens.buffer, k.hashes.buffer, ...(k.slots ? [k.slots.buffer] : [])]);
        for (const sums of [t.itemMonth, t.deviceMonth, t.day, t.monthRow, ...t.groupMonth, ...t.deviceGroup]) moved.push(sums.keys.buffer, sums.amounts.buffer, sums.rows.buffer);
        for (const part of result.parts) moved.push(part.index.rows.buffer, part.index.offsets.buffer, part.index.lines.buffer);
        port.postMessage({ type: 'summary', result } satisfies WorkerReply, moved as ArrayBuffer[]);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      port.postMessage({ type: 'error', message, tooLarge: error instanceof TooLargeError } satisfies WorkerReply);
    }
  });
}
