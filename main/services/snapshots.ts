import { argSchemas, type Channel } from '../../contract';
import { AppError } from '../http/errors';
import type { HandlerTable } from '../router/types';
import { snapshotKey, type SnapshotStore } from '../snapshots/store';

export function createSnapshotHandlers(snapshots: SnapshotStore): HandlerTable<'snapshots.get'> {
  return {
    'snapshots.get': async ({ accountId, channel, args }) => {
      // A name shaped like a read channel that is not one (soracom.getNothing) is a bad argument, not a crash.
      if (!Object.hasOwn(argSchemas, channel)) throw new AppError('invalid_args', 'There is no read channel of that name.', { issues: [{ path: 'channel', message: 'Not a read channel.' }] });
      // Keys are made from validated arguments (defaults filled in), exactly as the live call saw them.
      const parsed = argSchemas[channel as Channel].safeParse({ ...args, accountId });
      if (!parsed.success) throw new AppError('invalid_args', `Those are not valid arguments for ${channel}.`);
      return (await snapshots.get(accountId, snapshotKey(channel, parsed.data as Record<string, unknown>))) ?? null;
    },
  };
}
