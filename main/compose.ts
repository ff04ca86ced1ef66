import type { EventMessage } from '../contract/events';
import type { Platform } from './platform';
import { createRouter, type HandlerMap, type Router } from './router/router';
import type { EventSink } from './router/types';
import { createAppHandlers } from './services/app';

export interface MainServicesOptions {
  platform: Platform;
  /** Delivers an event to every renderer: IPC in Electron, server-sent events in the harness. */
  emit: (message: EventMessage) => void;
  log: (line: string) => void;
}

export interface MainServices {
  router: Router;
}

/** Builds every service and the router once; the Electron glue and the test harness both call this. */
export function createMainServices(opts: MainServicesOptions): MainServices {
  const events: EventSink = { emit: (event, payload) => opts.emit({ event, payload } as EventMessage) };
  const handlers: HandlerMap = {
    ...createAppHandlers(opts.platform),
  };
  const router = createRouter(handlers, { events }, {
    onInternalError: (channel, error) => {
      const detail = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : typeof error;
      opts.log(`[router] unexpected error on ${channel}: ${detail}`);
    },
  });
  return { router };
}
