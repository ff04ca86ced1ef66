import type { BillingApi, Channel, Envelope, EventMessage, EventName, Events, Result } from '../contract';

/** How calls and events travel: Electron IPC in the app, HTTP + server-sent events in the test harness. */
export interface Transport {
  invoke(channel: string, args: unknown): Promise<unknown>;
  /** Starts delivering events; returns a function that stops. */
  subscribe(onMessage: (message: unknown) => void): () => void;
  /** The local path of a dropped file; transports without one answer undefined. */
  pathForFile?(file: File): Promise<string | undefined>;
}

function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  return value.ok === false && 'error' in value && typeof value.error === 'object' && value.error !== null;
}

function isEventMessage(value: unknown): value is EventMessage {
  return typeof value === 'object' && value !== null && 'event' in value && typeof value.event === 'string' && 'payload' in value;
}

/**
 * Builds the `window.billing` object from a transport. Transport failures become
 * error envelopes, so the renderer handles every outcome in one way.
 */
export function createBillingClient(transport: Transport) {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let unsubscribe: (() => void) | undefined;

  function dispatch(message: unknown) {
    if (!isEventMessage(message)) return;
    for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
  }

  const api = {
    async invoke<C extends Channel>(channel: C, args: unknown): Promise<Envelope<Result<C>>> {
      try {
        const reply = await transport.invoke(channel, args);
        // The main process is the one place results are made, and it made them to the contract.
        if (isEnvelope(reply)) return reply as Envelope<Result<C>>;
        return { ok: false, error: { code: 'internal', message: 'The main process sent an answer Billfold could not read.' } };
      } catch {
        return { ok: false, error: { code: 'internal', message: 'The main process could not be reached.' } };
      }
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      unsubscribe ??= transport.subscribe(dispatch);
      return () => {
        set.delete(wrapped);
      };
    },
    async pathForFile(file: File): Promise<string | undefined> {
      try {
        return (await transport.pathForFile?.(file)) || undefined;
      } catch {
        return undefined;
      }
    },
  } satisfies BillingApi;
  return api as BillingApi;
}
