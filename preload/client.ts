import type { BillingApi, Channel, DroppedFiles, Envelope, EventMessage, EventName, Events, Result } from '../contract';
import { maxDroppedFiles } from '../contract/drops';

/** How calls and events travel: Electron IPC in the app, HTTP + server-sent events in the test harness. */
export interface Transport {
  invoke(channel: string, args: unknown): Promise<unknown>;
  /** Starts delivering events; returns a function that stops. */
  subscribe(onMessage: (message: unknown) => void): () => void;
  /**
   * Hands dropped files to the main process and answers its envelope of ids: Electron's preload
   * sends the paths it gets from `webUtils.getPathForFile`, the harness uploads the bytes.
   */
  drop(files: File[]): Promise<unknown>;
}

function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  return value.ok === false && 'error' in value && typeof value.error === 'object' && value.error !== null;
}

function isEventMessage(value: unknown): value is EventMessage {
  return typeof value === 'object' && value !== null && 'event' in value && typeof value.event === 'string' && 'payload' in value;
}

/** Every member of `window.billing`: the whole surface the page gets from the preload. */
export const billingApiMembers = ['invoke', 'on', 'openDropped'] as const satisfies readonly (keyof BillingApi)[];

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
    async openDropped(files: readonly File[]): Promise<Envelope<DroppedFiles>> {
      const list = Array.from(files as ArrayLike<unknown>);
      // Across the context bridge a File may not be an instance of this world's File: its shape is checked.
      const fileLike = (f: unknown) => typeof f === 'object' && f !== null && typeof (f as { name?: unknown }).name === 'string' && typeof (f as { size?: unknown }).size === 'number';
      if (list.length === 0 || list.length > maxDroppedFiles || !list.every(fileLike)) {
        return { ok: false, error: { code: 'invalid_args', message: `Drop between 1 and ${maxDroppedFiles} files.` } };
      }
      try {
        const reply = await transport.drop(list as File[]);
        if (isEnvelope(reply)) return reply as Envelope<DroppedFiles>;
        return { ok: false, error: { code: 'internal', message: 'The main process sent an answer Billfold could not read.' } };
      } catch {
        return { ok: false, error: { code: 'internal', message: 'The main process could not be reached.' } };
      }
    },
  } satisfies BillingApi;
  return api as BillingApi;
}
