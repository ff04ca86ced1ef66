import { argSchemas, type Channel } from '../../contract';
import { AppError } from '../http/errors';
import type { HandlerTable } from '../router/types';
import { matchesReadResult } from '../snapshots/shapes';
import { snapshotKey, type SnapshotStore } from '../snapshots/store';

export function createSnapshotHandlers(snapshots: SnapshotStore, opts: { onDiscarded?: (channel: string) => void } = {}): HandlerTable<'snapshots.get'> {
  return {
    'snapshots.get': async ({ accountId, channel, args }) => {
      // A name shaped like a read channel that is not one (soracom.getNothing) is a bad argument, not a crash.
      if (!Object.hasOwn(argSchemas, channel)) throw new AppError('invalid_args', 'There is no read channel of that name.', { issues: [{ path: 'channel', message: 'Not a read channel.' }] });
      // Keys are made from validated arguments (defaults filled in), exactly as the live call saw them.
      const parsed = argSchemas[channel as Channel].safeParse({ ...args, accountId });
      if (!parsed.success) throw new AppError('invalid_args', `Those are not valid arguments for ${channel}.`);
      const key = snapshotKey(channel, parsed.data as Record<string, unknown>);
      const snapshot = await snapshots.get(accountId, key);
      if (!snapshot) return null;
      // Data of the wrong shape (a damaged file, another version) is dropped for this view alone:
      // the view loads live data instead of showing NaN or waiting for what cannot come.
      if (typeof snapshot.syncedAt !== 'string' || !matchesReadResult(channel, snapshot.value)) {
        await snapshots.drop(accountId, key);
        opts.onDiscarded?.(channel);
        return null;
      }
      return snapshot;
    },
  };
}
