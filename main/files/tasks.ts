import { AppError } from '../http/errors';

/**
 * The running cancellable tasks (saves, Soracom exports), by task id. One registry is shared by
 * the files service and the Soracom export handlers, so `files.cancel {taskId}` reaches either.
 */
export interface TaskRegistry {
  /** Registers a task; a `conflict` when one with this id is already running. */
  start(taskId: string): AbortController;
  /** Forgets the task (only if `controller` is still the one registered under the id). */
  finish(taskId: string, controller: AbortController): void;
  /** Aborts the task; false when none with this id is running. */
  cancel(taskId: string): boolean;
}

export function createTaskRegistry(): TaskRegistry {
  const running = new Map<string, AbortController>();
  return {
    start(taskId) {
      if (running.has(taskId)) throw new AppError('conflict', 'A task with this id is already running.');
      const controller = new AbortController();
      running.set(taskId, controller);
      return controller;
    },
    finish(taskId, controller) {
      if (running.get(taskId) === controller) running.delete(taskId);
    },
    cancel(taskId) {
      const controller = running.get(taskId);
      controller?.abort();
      return controller !== undefined;
    },
  };
}
