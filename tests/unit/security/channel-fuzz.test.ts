// Every channel, called with malformed payloads the way a hostile page could (over IPC or the
// harness), answers with an error envelope: never a value, never an exception, never `internal`.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argSchemas } from '../../../contract';
import { appErrorCodes, providerErrorCodes } from '../../../contract/errors';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { testPlatform } from '../../support/platform';

let dir: string;
let services: MainServices;
let accountId: string;
const internalErrors: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-fuzz-'));
  services = createMainServices({
    platform: testPlatform(path.join(dir, 'user-data'), { version: 'test', documentsDir: path.join(dir, 'Documents') }),
    emit: () => undefined,
    log: (line) => void (line.includes('unexpected error') && internalErrors.push(line)),
    secrets: memorySecretStore(),
    demo: createDemoSandboxes(),
  });
  accountId = (await services.accounts.startDemo())[0]!.id;
}, 60_000);
afterAll(async () => {
  await services.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const codes = new Set<string>([...appErrorCodes, ...providerErrorCodes]);
const channels = Object.keys(argSchemas) as (keyof typeof argSchemas)[];

/** Payloads no channel accepts: not an object, or an object with a key no channel has. */
function wholePayloads(): unknown[] {
  const deep: Record<string, unknown> = {};
  let cursor = deep;
  for (let i = 0; i < 2000; i++) cursor = cursor['x'] = {};
  return [
    null,
    0,
    -1,
    Number.NaN,
    true,
    'app.info',
    '',
    [],
    [{}],
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
    { unexpected: 1 },
    { accountId, extra: 'x' },
    deep,
    new Date(0),
    new Map([['accountId', accountId]]),
    new Uint8Array(4),
    { toString: 'x', valueOf: 1 },
  ];
}

/** For each field of the channel's schema, that field alone set to a value of a wrong type. */
function fieldPayloads(channel: keyof typeof argSchemas): unknown[] {
  const shape = (argSchemas[channel] as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const out: unknown[] = [];
  for (const key of Object.keys(shape)) {
    for (const value of [null, {}, [[]], { $gt: '' }, [1, 2], Number.POSITIVE_INFINITY, 'x'.repeat(100_000), '\u0000'.repeat(5000)]) {
      out.push({ [key]: value });
    }
  }
  return out;
}

describe('every channel with malformed payloads', () => {
  it.each(channels)('%s answers only error envelopes', async (channel) => {
    for (const payload of [...wholePayloads(), ...fieldPayloads(channel)]) {
      let reply: Awaited<ReturnType<MainServices['router']['handle']>>;
      try {
        reply = await services.router.handle(channel, payload);
      } catch (error) {
        throw new Error(`${channel} threw for ${show(payload)}: ${String(error)}`, { cause: error });
      }
      expect(reply.ok, `${channel} accepted ${show(payload)}`).toBe(false);
      if (reply.ok) continue;
      expect(codes.has(reply.error.code), `${channel}: unknown code ${reply.error.code}`).toBe(true);
      expect(reply.error.code, `${channel} with ${show(payload)}: ${reply.error.message}`).not.toBe('internal');
      expect(typeof reply.error.message).toBe('string');
      expect(JSON.stringify(reply).length).toBeLessThan(20_000);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(internalErrors).toEqual([]);
  });

  it('snapshots.get with a channel name shaped like a read channel that does not exist is invalid_args', async () => {
    const reply = await services.router.handle('snapshots.get', { accountId, channel: 'soracom.getNothing', args: {} });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
  });

  it('unknown channel names, and names that are not strings, are error envelopes too', async () => {
    for (const name of ['nope', 'review.openPath', '__proto__', 'constructor', 'toString', '', 'x'.repeat(10_000), null, 7, {}, ['app.info']]) {
      const reply = await services.router.handle(name, {});
      expect(reply, String(name).slice(0, 30)).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
      expect(JSON.stringify(reply).length).toBeLessThan(1_000);
    }
  });
});

function show(payload: unknown): string {
  try {
    return (JSON.stringify(payload) ?? String(payload)).slice(0, 80);
  } catch {
    return Object.prototype.toString.call(payload);
  }
}
