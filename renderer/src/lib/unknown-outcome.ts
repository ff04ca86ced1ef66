import type { ErrorInfo } from '../../../contract/errors';

/**
 * A write whose answer was lost may have happened. What it changes is read again before the
 * caller lets go of its busy state, so the same write is not offered again until the view shows
 * what happened. Answers whether the error was such a write.
 */
export async function refreshIfUnknown(info: ErrorInfo, refresh: () => Promise<unknown>): Promise<boolean> {
  if (info.code !== 'outcome_unknown') return false;
  await refresh().catch(() => undefined);
  return true;
}
