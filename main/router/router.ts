import { argSchemas, type Channel } from '../../contract';
import type { Envelope } from '../../contract/errors';
import { diskErrorFromErrno } from '../fs/io-errors';
import { AppError } from '../http/errors';
import type { Handler, ServiceContext } from './types';

export type HandlerMap = { [C in Channel]: Handler<C> };

export interface Router {
  /** Validates `rawArgs` for `channel`, runs its handler, and always resolves to an envelope. */
  handle(channel: unknown, rawArgs: unknown): Promise<Envelope<unknown>>;
}

export interface RouterOptions {
  /** Called with unexpected errors; the renderer only ever sees a generic message for these. */
  onInternalError?: (channel: string, error: unknown) => void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(argSchemas, name);
}

export function createRouter(handlers: HandlerMap, ctx: ServiceContext, opts: RouterOptions = {}): Router {
  return {
    async handle(channel, rawArgs) {
      if (!isChannel(channel)) {
        return fail(new AppError('unknown_channel', `There is no channel named ${JSON.stringify(String(channel).slice(0, 80))}.`));
      }
      // Arguments are a plain object (JSON-like), never a Date, Map, typed array or class instance that a schema might read as one.
      if (rawArgs !== undefined && !isPlainObject(rawArgs)) {
        return fail(new AppError('invalid_args', 'The request was not accepted: it should be an object of named arguments.', { issues: [{ path: '(arguments)', message: 'Expected an object.' }] }));
      }
      const parsed = argSchemas[channel].safeParse(rawArgs === undefined ? {} : rawArgs);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 20).map((i) => ({
          path: i.path.map(String).join('.') || '(arguments)',
          message: i.message,
        }));
        // A plain sentence; which argument it was (`account.credentials.operatorId`) stays in `issues`,
        // where a form can name the field as the user knows it.
        const first = issues[0];
        const said = first ? first.message.trim() : '';
        const summary = said === '' ? 'Some details were not accepted.' : `Some details were not accepted: ${said}${/[.!?]$/.test(said) ? '' : '.'}`;
        return fail(new AppError('invalid_args', summary, { issues }));
      }
      try {
        const handler = handlers[channel] as (args: unknown, ctx: ServiceContext) => Promise<unknown>;
        const value = await handler(parsed.data, ctx);
        return { ok: true, value };
      } catch (error) {
        if (error instanceof AppError) return fail(error);
        opts.onInternalError?.(channel, error);
        // A full or read-only disk is never "something went wrong": say which folder it was.
        const disk = diskErrorFromErrno(error);
        if (disk) return fail(disk);
        return fail(new AppError('internal', 'Something went wrong inside Billfold. The details were written to the log.'));
      }
    },
  };
}

function fail(error: AppError): Envelope<never> {
  return { ok: false, error: error.toInfo() };
}
