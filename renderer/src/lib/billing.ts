import type { ArgsIn, BillingApi, Channel, ErrorInfo, Result } from '../../../contract';
import { unreachableCodes } from '../../../contract/errors';
import { noteCall } from './changes.svelte';

declare global {
  interface Window {
    billing: BillingApi;
  }
}

/** Thrown by `call` so components can show the code and the message. */
export class CallError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.info = info;
  }
}

/** Calls the main process and unwraps the envelope. */
export async function call<C extends Channel>(channel: C, args: ArgsIn<C>): Promise<Result<C>> {
  const reply = await window.billing.invoke(channel, args);
  if (!reply.ok) throw new CallError(reply.error);
  noteCall(channel, args);
  return reply.value;
}

export function errorInfo(error: unknown): ErrorInfo {
  return error instanceof CallError ? error.info : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export { unreachableCodes };

/** Failures that pass by themselves (the network, the provider's own trouble): a view tries again in the background. */
export const passingCodes = new Set<string>([...unreachableCodes, 'server']);
