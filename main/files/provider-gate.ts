import { AppError } from '../http/errors';

/**
 * How many requests run at once against one provider, and a pause for all of them when the
 * provider says "too many requests" (429, with its Retry-After when it sends one).
 */
export interface ProviderGate {
  /** Runs `work` when a slot is free and no pause is in force; retries it after a 429. */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Pauses every request of this provider for `ms`. */
  pause(ms: number): void;
}

export interface GateOptions {
  limit: number;
  /** Tries of one piece of work that keeps getting 429 (the HTTP client has already retried it). */
  attempts?: number;
  /** Pause after a 429 without Retry-After: this, doubled each time. */
  backoffMs?: number;
  /** The longest pause honoured; a longer Retry-After fails the document instead of stalling the run. */
  maxPauseMs?: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError('cancelled', 'Cancelled.'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError('cancelled', 'Cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createProviderGate(opts: GateOptions): ProviderGate {
  const attempts = opts.attempts ?? 4;
  const backoffMs = opts.backoffMs ?? 2_000;
  const maxPauseMs = opts.maxPauseMs ?? 5 * 60_000;
  let active = 0;
  let pausedUntil = 0;
  const waiting: (() => void)[] = [];

  async function acquire(signal?: AbortSignal): Promise<void> {
    while (active >= opts.limit) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = waiting.indexOf(wake);
          if (i >= 0) waiting.splice(i, 1);
          reject(new AppError('cancelled', 'Cancelled.'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(wake);
      });
    }
    active++;
  }

  function release(): void {
    active--;
    waiting.shift()?.();
  }

  const gate: ProviderGate = {
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
    },
    async run(work, signal) {
      for (let attempt = 1; ; attempt++) {
        await acquire(signal);
        try {
          const wait = pausedUntil - Date.now();
          if (wait > 0) await sleep(wait, signal);
          return await work();
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'rate_limited' || attempt >= attempts) throw error;
          const pause = error.retryAfterMs ?? backoffMs * 2 ** (attempt - 1);
          if (pause > maxPauseMs) throw error;
          gate.pause(pause);
        } finally {
          release();
        }
      }
    },
  };
  return gate;
}
