import type { ArgsIn, Channel, ErrorInfo, Result } from '../../../contract';
import { passingCodes, unreachableCodes } from './billing';
import { backgroundRetryInterval } from './clock';
import { nowIso } from './format';

export interface Resource<T> {
  readonly data: T | undefined;
  readonly loading: boolean;
  readonly error: ErrorInfo | undefined;
  /** When `data` was fetched from the provider. */
  readonly syncedAt: string | undefined;
  /** True while `data` is the offline snapshot because the provider cannot be reached. */
  readonly offline: boolean;
  reload(): Promise<void>;
}

/**
 * Loads a read channel for a view: the account's offline snapshot first (so switching accounts
 * shows data at once), then the live answer. When the provider cannot be reached the snapshot
 * stays, marked offline; when it answers with a server error the snapshot stays beside the error.
 * Either way the call is retried in the background until it succeeds.
 * Must be called while a component initialises; `args` returning undefined means "not yet".
 */
export function resource<C extends Channel>(channel: C, args: () => (ArgsIn<C> & { accountId: string }) | undefined): Resource<Result<C>> {
  let data = $state<Result<C> | undefined>();
  let loading = $state(true);
  let error = $state<ErrorInfo | undefined>();
  let syncedAt = $state<string | undefined>();
  let offline = $state(false);
  let generation = 0;
  let current: (ArgsIn<C> & { accountId: string }) | undefined;

  /** `quiet`: a background retry, which leaves what the view shows alone until the answer comes. */
  async function load(callArgs: ArgsIn<C> & { accountId: string }, fresh: boolean, quiet = false) {
    const mine = ++generation;
    if (!quiet) {
      loading = true;
      error = undefined;
    }
    if (fresh) {
      data = undefined;
      syncedAt = undefined;
      offline = false;
      const snap = await window.billing.invoke('snapshots.get', { accountId: callArgs.accountId, channel, args: callArgs as Record<string, unknown> });
      if (mine !== generation) return;
      if (snap.ok && snap.value) {
        data = snap.value.value as Result<C>;
        syncedAt = snap.value.syncedAt;
      }
    }
    const reply = await window.billing.invoke(channel, callArgs);
    if (mine !== generation) return;
    if (reply.ok) {
      data = reply.value;
      syncedAt = nowIso();
      offline = false;
      error = undefined;
    } else if (unreachableCodes.has(reply.error.code) && data !== undefined) {
      offline = true;
    } else {
      // The provider answered (with an error): whatever is shown is not offline data any more.
      offline = false;
      error = reply.error;
    }
    loading = false;
  }

  $effect(() => {
    const next = args();
    current = next;
    if (next) void load(next, true);
  });

  /** The last try failed in a way that passes by itself (shown as an error, with or without the snapshot). */
  const passing = $derived(error !== undefined && passingCodes.has(error.code));

  // While the provider cannot be reached or is in trouble, keep trying in the background, so the view syncs again when it answers.
  $effect(() => {
    if (!offline && !passing) return;
    let retrying = false;
    const timer = setInterval(() => {
      if (!current || loading || retrying) return;
      retrying = true;
      void load(current, false, true).finally(() => (retrying = false));
    }, backgroundRetryInterval());
    return () => clearInterval(timer);
  });

  return {
    get data() {
      return data;
    },
    get loading() {
      return loading;
    },
    get error() {
      return error;
    },
    get syncedAt() {
      return syncedAt;
    },
    get offline() {
      return offline;
    },
    reload: () => (current ? load(current, false) : Promise.resolve()),
  };
}

/**
 * Several resources shown as one figure (an overview card): as of the oldest of them (undefined
 * until all have data), offline, loading or failed when any is, and refreshed together; what
 * `DataStatus` takes.
 */
export function combinedStatus(parts: readonly Resource<unknown>[]) {
  return {
    syncedAt: parts.every((p) => p.syncedAt) ? parts.map((p) => p.syncedAt as string).sort()[0] : undefined,
    offline: parts.some((p) => p.offline),
    loading: parts.some((p) => p.loading),
    failed: parts.some((p) => p.error !== undefined),
    onrefresh: () => void Promise.all(parts.map((p) => p.reload())),
  };
}
