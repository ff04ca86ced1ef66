import { describe, expect, it } from 'vitest';
import { billingApiMembers, createBillingClient, type Transport } from '../../../preload/client';

function transport(reply: (channel: string, args: unknown) => unknown, dropReply: (files: File[]) => unknown = () => undefined) {
  const calls: [string, unknown][] = [];
  const drops: File[][] = [];
  let deliver: ((m: unknown) => void) | undefined;
  let subscriptions = 0;
  const t: Transport = {
    invoke: (channel, args) => {
      calls.push([channel, args]);
      return Promise.resolve().then(() => reply(channel, args));
    },
    subscribe: (onMessage) => {
      subscriptions += 1;
      deliver = onMessage;
      return () => (deliver = undefined);
    },
    drop: (files) => {
      drops.push(files);
      return Promise.resolve().then(() => dropReply(files));
    },
  };
  return { t, calls, drops, push: (m: unknown) => deliver?.(m), subscriptions: () => subscriptions };
}

describe('the preload client factory', () => {
  it('passes calls through and returns the envelope', async () => {
    const { t, calls } = transport(() => ({ ok: true, value: { name: 'Billfold' } }));
    const billing = createBillingClient(t);
    expect(await billing.invoke('app.info', {})).toEqual({ ok: true, value: { name: 'Billfold' } });
    expect(calls).toEqual([['app.info', {}]]);
  });

  it('turns a broken or unreadable transport into an error envelope', async () => {
    const broken = createBillingClient(transport(() => Promise.reject(new Error('gone'))).t);
    expect(await broken.invoke('app.info', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
    const garbled = createBillingClient(transport(() => 'not an envelope').t);
    expect(await garbled.invoke('app.info', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('delivers events to the listeners of that event only, subscribing once', () => {
    const { t, push, subscriptions } = transport(() => undefined);
    const billing = createBillingClient(t);
    const notices: unknown[] = [];
    const progress: unknown[] = [];
    const stop = billing.on('app.notice', (p) => notices.push(p));
    billing.on('task.progress', (p) => progress.push(p));
    push({ event: 'app.notice', payload: { level: 'info', message: 'hello' } });
    push({ event: 'unrelated', payload: 1 });
    push('garbage');
    stop();
    push({ event: 'app.notice', payload: { level: 'info', message: 'after stop' } });
    expect(notices).toEqual([{ level: 'info', message: 'hello' }]);
    expect(progress).toEqual([]);
    expect(subscriptions()).toBe(1);
  });

  it('hands only real File objects to the drop transport, several at once, and passes its envelope on', async () => {
    const answer = { ok: true, value: { files: [{ dropId: 'd'.repeat(24), fileName: 'a.csv', size: 3 }], refused: [{ fileName: 'b.csv', message: 'b.csv has no file on this computer behind it.' }] } };
    const { t, drops } = transport(() => undefined, () => answer);
    const billing = createBillingClient(t);
    const files = [new File(['a,b'], 'a.csv'), new File(['c'], 'b.csv')];
    expect(await billing.openDropped(files)).toEqual(answer);
    expect(drops).toEqual([files]);
    for (const bad of [[], [{ name: 'x.csv', path: '/etc/passwd' }], ['/etc/passwd'], Array.from({ length: 51 }, () => new File([''], 'x.csv'))]) {
      expect(await billing.openDropped(bad as unknown as File[]), JSON.stringify(bad).slice(0, 60)).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    }
    expect(drops).toHaveLength(1);
    const broken = createBillingClient(transport(() => undefined, () => Promise.reject(new Error('gone'))).t);
    expect(await broken.openDropped(files)).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('exposes exactly the members the Electron suite and SECURITY.md item 20 name', () => {
    expect(Object.keys(createBillingClient(transport(() => undefined).t)).sort()).toEqual([...billingApiMembers].sort());
  });
});
