import { z } from 'zod';
import type { Snapshot } from '../models/app';

/** Channels that only read provider data; their last answers are kept for offline use. */
export function isReadChannel(channel: string): boolean {
  return /^(spatialflow|agilicus|soracom)\.(get|list)[A-Z][A-Za-z]*$/.test(channel);
}

export const snapshotsArgs = {
  'snapshots.get': z.strictObject({
    accountId: z.string().min(1).max(64),
    channel: z.string().max(80).refine(isReadChannel, 'Only read channels have snapshots.'),
    /** The same arguments the live call takes, accountId included. */
    args: z.record(z.string().max(64), z.unknown()),
  }),
};

export interface SnapshotsResults {
  'snapshots.get': Snapshot | null;
}
