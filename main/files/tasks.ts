import { AppError } from '../http/errors';

/**
 * The running cancellable tasks (saves, Soracom exports), by task id. One registry is shared by
 * the files service and the Soracom export handlers, so `files.cancel {taskId}` reaches either.
 */
export interface TaskRegistry {
  /**
   * Registers a task; a `conflict` when one with this id is already running. The controller is
   * already aborted when a cancel for this id came shortly before.
   */
  start(taskId: string): AbortController;
  /** Forgets the task (only if `controller` is still the one registered under the id). */
  finish(taskId: string, controller: AbortController): void;
  /**
   * Aborts the task; false when none with this id is running. A cancel for an id that is not
   * running (and did not just finish) is held for a short time and applied when that task starts.
   */
  cancel(taskId: string): boolean;
}

export interface TaskRegistryOptions {
  /** How many early cancels (and just-finished ids) are held at most; the oldest go first. */
  heldIds?: number;
  /** How long an early cancel is held, in milliseconds. */
  holdMs?: number;
  now?: () => number;
}

/** Ids seen in the last `holdMs`, at most `max` of them (the oldest are dropped). */
function recentIds(max: number, holdMs: number, now: () => number) {
  const seen = new Map<string, number>();
  const prune = () => {
    const oldest = now() - holdMs;
    for (const [id, at] of seen) {
      if (at >= oldest && seen.size <= max) break;
      seen.delete(id);
    }
  };
  return {
    add(id: string) {
      seen.delete(id);
      seen.set(id, now());
      prune();
    },
    has(id: string) {
      prune();
      return seen.has(id);
    },
    /** True (and forgets it) when the id was seen. */
    take(id: string) {
      prune();
      return seen.delete(id);
    },
    get size() {
      prune();
      return seen.size;
    },
  };
}

export function createTaskRegistry(opts: TaskRegistryOptions = {}): TaskRegistry & { readonly heldCancels: number } {
  const max = opts.heldIds ?? 32;
  const holdMs = opts.holdMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const running = new Map<string, AbortController>();
  // The window's Cancel can reach the main process before the task it names is registered (the
  // handler is still reading the account); such a cancel waits here for it. The window is not
  // trusted, so what waits is bounded in number and in time.
  const early = recentIds(max, holdMs, now);
  // A cancel that comes just after its task finished is not held: the id may be used again.
  const finished = recentIds(max, holdMs, now);
  return {
    start(taskId) {
      if (running.has(taskId)) throw new AppError('conflict', 'A task with this id is already running.');
      const controller = new AbortController();
      running.set(taskId, controller);
      finished.take(taskId);
      if (early.take(taskId)) controller.abort();
      return controller;
    },
    finish(taskId, controller) {
      if (running.get(taskId) !== controller) return;
      running.delete(taskId);
      finished.add(taskId);
    },
    cancel(taskId) {
      const controller = running.get(taskId);
      if (controller) {
        controller.abort();
        return true;
      }
      if (!finished.has(taskId)) early.add(taskId);
      return false;
    },
    get heldCancels() {
      return early.size;
    },
  };
}
