import { describe, expect, it } from 'vitest';
import { createBillingClient, type Transport } from '../../../preload/client';

function transport(reply: (channel: string, args: unknown) => unknown) {
  const calls: [string, unknown][] = [];
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
  };
  return { t, calls, push: (m: unknown) => deliver?.(m), subscriptions: () => subscriptions };
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
});
