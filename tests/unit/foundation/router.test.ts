import { describe, expect, it } from 'vitest';
import { createMainServices } from '../../../main/compose';
import type { EventMessage } from '../../../contract/events';
import { createRouter, type HandlerMap } from '../../../main/router/router';
import { AppError } from '../../../main/http/errors';

function services() {
  const events: EventMessage[] = [];
  const logs: string[] = [];
  const opened: string[] = [];
  const { router } = createMainServices({
    platform: {
      shell: 'web',
      version: '9.9.9',
      userDataDir: '/nonexistent',
      documentsDir: '/nonexistent',
      openExternal: (url) => {
        opened.push(url);
        return Promise.resolve();
      },
      openPath: () => Promise.resolve(),
      showItemInFolder: () => Promise.resolve(),
      chooseFile: () => Promise.resolve(undefined),
      chooseFolder: () => Promise.resolve(undefined),
    },
    emit: (m) => events.push(m),
    log: (l) => logs.push(l),
  });
  return { router, events, logs, opened };
}

describe('router', () => {
  it('answers a valid call with an ok envelope', async () => {
    const { router } = services();
    expect(await router.handle('app.info', {})).toEqual({
      ok: true,
      value: { name: 'Billfold', version: '9.9.9', shell: 'web', platform: process.platform, capabilities: { fileDialogs: true, openFiles: true } },
    });
  });

  it('treats missing arguments as an empty object but rejects null and extra keys', async () => {
    const { router } = services();
    expect(await router.handle('app.info', undefined)).toMatchObject({ ok: true });
    expect(await router.handle('app.info', null)).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    const extra = await router.handle('app.info', { sneaky: 1 });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_args', issues: [{ path: '(arguments)' }] } });
  });

  it('names the field that failed validation', async () => {
    const { router } = services();
    const reply = await router.handle('app.openExternal', { url: 42 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_args', issues: [{ path: 'url' }] } });
  });

  it('says in a plain sentence what was not accepted, keeping the channel and argument path to the issues', async () => {
    const { router } = services();
    const reply = await router.handle('accounts.add', {
      account: { provider: 'soracom', name: 'Fleet', baseUrl: 'https://api.soracom.io/v1', credentials: { kind: 'sam', operatorId: 'x1', userName: 'ops', password: 'pw' } },
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_args', issues: [{ path: 'account.credentials.operatorId' }] } });
    const message = reply.ok ? '' : reply.error.message;
    expect(message).toBe('Some details were not accepted: An operator ID looks like OP0012345678.');
    expect(message).not.toMatch(/accounts\.add|credentials|Invalid arguments/);
  });

  it('rejects unknown and inherited channel names', async () => {
    const { router } = services();
    for (const name of ['nope', 'toString', '__proto__', 42, null]) {
      expect(await router.handle(name, {})).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    }
  });

  it('passes AppError codes through and hides unexpected errors behind a generic message', async () => {
    const logs: string[] = [];
    const failing = {
      'app.info': () => Promise.reject(new AppError('not_found', 'No such thing.')),
      'accounts.list': () => Promise.reject(new Error('secret-token-abc leaked in a message')),
    } as unknown as HandlerMap;
    const router = createRouter(failing, { events: { emit: () => undefined } }, { onInternalError: (c, e) => logs.push(`${c} ${String(e)}`) });
    expect(await router.handle('app.info', {})).toEqual({ ok: false, error: { code: 'not_found', message: 'No such thing.' } });
    const hidden = await router.handle('accounts.list', {});
    expect(hidden).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(hidden)).not.toContain('secret-token-abc');
    expect(logs).toHaveLength(1);
  });

  it('opens only allowlisted external links', async () => {
    const { router, opened } = services();
    expect(await router.handle('app.openExternal', { url: 'https://docs.spatialflow.io/billing' })).toEqual({ ok: true, value: { opened: true } });
    expect(await router.handle('app.openExternal', { url: 'https://spatialflow.io.evil.example/' })).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(opened).toEqual(['https://docs.spatialflow.io/billing']);
  });
});
