/**
 * What an account's views had open when the user switched to another account (its tab, the
 * invoice pages already loaded), so coming back finds them as they were. Kept for the window's
 * life only; a removed account's entry is simply never read again.
 */
const memory = new Map<string, Map<string, unknown>>();

export function recall<T>(accountId: string, key: string): T | undefined {
  return memory.get(accountId)?.get(key) as T | undefined;
}

export function remember(accountId: string, key: string, value: unknown): void {
  let entries = memory.get(accountId);
  if (!entries) {
    entries = new Map();
    memory.set(accountId, entries);
  }
  entries.set(key, value);
}
