import type { ArgsOut, Channel, Result } from '../../contract';
import type { EventName, Events } from '../../contract/events';

export interface EventSink {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
}

/** What a handler may use besides its arguments. Services are added here as they land. */
export interface ServiceContext {
  events: EventSink;
}

export type Handler<C extends Channel> = (args: ArgsOut<C>, ctx: ServiceContext) => Promise<Result<C>>;

export type HandlerTable<C extends Channel> = { [K in C]: Handler<K> };
