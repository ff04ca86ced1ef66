/**
 * Where a provider client keeps the tokens it obtained (access, refresh, Soracom API key).
 * The account service backs it with the OS keychain; tests use the in-memory one.
 */
export interface SessionStore<T> {
  load(): Promise<T | undefined>;
  save(value: T): Promise<void>;
  clear(): Promise<void>;
}

export function memorySessionStore<T>(initial?: T): SessionStore<T> {
  let value = initial;
  return {
    load: () => Promise.resolve(value),
    save: (v) => {
      value = v;
      return Promise.resolve();
    },
    clear: () => {
      value = undefined;
      return Promise.resolve();
    },
  };
}
