import type { SyncState } from './models/app';
import type { AccountBadges, Alert } from './models/insight';

/** Events pushed from the main process to the renderer. */
export interface Events {
  /** Progress of a long task (download, export, sync); `total` is unknown for streams without a length. */
  'task.progress': {
    taskId: string;
    label: string;
    done: number;
    total?: number;
    state: 'running' | 'done' | 'failed' | 'cancelled';
    /** Bytes transferred so far, when `done` counts something else (documents of a download run). */
    bytes?: number;
  };
  /** An account's sync state changed (after a provider call succeeded or failed). */
  'account.sync': { accountId: string; sync: SyncState };
  /** A provider asked Billfold to wait (Retry-After): the account's call is tried again in `seconds`. */
  'account.retrying': { accountId: string; seconds: number };
  /** Something the user should know that is not the answer to a call. */
  'app.notice': { level: 'info' | 'warning' | 'error'; message: string };
  /** Insight was recomputed from new snapshots (after a sync); carries every account's sidebar badges. */
  'insight.changed': { badges: Record<string, AccountBadges> };
  /** A new alert (budget, anomaly, failed payment); it was also shown as a desktop notification. */
  'insight.alert': Alert;
}

export type EventName = keyof Events;

export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: Events[E];
}

export const eventNames = ['task.progress', 'account.sync', 'account.retrying', 'app.notice', 'insight.changed', 'insight.alert'] as const satisfies readonly EventName[];
