import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClientOptions } from '../../../main/http/types';
import { createAgilicusClient } from '../../../main/providers/agilicus/client';
import { memorySessionStore } from '../../../main/providers/session-store';
import { createSpatialFlowClient, type SpatialFlowSession } from '../../../main/providers/spatialflow/client';
import { startAgilicusSandbox, type AgilicusSandbox } from '../../../main/sandbox/agilicus';
import { startSpatialFlowSandbox, type SpatialFlowSandbox } from '../../../main/sandbox/spatialflow';
import { failure } from '../../support/errors';

/**
 * Writes whose answer is lost, against the sandboxes with a fault that carries out the request
 * and then drops the connection (or never answers): the write happened, and Billfold must not
 * say it failed.
 */
const fastHttp: Partial<HttpClientOptions> = { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, connectTimeoutMs: 1_000, totalTimeoutMs: 1_500 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function agilicus(): Promise<{ sb: AgilicusSandbox; client: ReturnType<typeof createAgilicusClient>; active: string }> {
  const sb = await startAgilicusSandbox({ seed: 7, now: new Date('2025-03-14T10:00:00Z') });
  closers.push(() => sb.close());
  const client = createAgilicusClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, http: fastHttp });
  const list = await client.listBillingAccounts({ getSubscriptionData: true });
  const active = list.billing_accounts?.find((a) => a.status?.subscriptions?.some((s) => s.status === 'active'))?.metadata.id ?? '';
  return { sb, client, active };
}

async function spatialflow(): Promise<{ sb: SpatialFlowSandbox; client: ReturnType<typeof createSpatialFlowClient> }> {
  const sb = await startSpatialFlowSandbox({ now: new Date('2025-10-20T12:00:00Z') });
  closers.push(() => sb.close());
  const client = createSpatialFlowClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, session: memorySessionStore<SpatialFlowSession>(), http: fastHttp });
  await client.listPaymentMethods();
  return { sb, client };
}

describe('a write whose answer is lost', () => {
  it('Agilicus records the usage and drops the connection: outcome_unknown, not a failure, and sent once', async () => {
    const { sb, client, active } = await agilicus();
    const before = (await client.getUsageRecords(active)).usage_records?.length ?? 0;
    sb.server.exchanges.length = 0;
    sb.server.setFaults([{ kind: 'apply_then_reset', method: 'POST', path: '/v1/billing_accounts/', times: 1 }]);

    const e = await failure(client.addBillingUsageRecord(active));
    expect(e.code).toBe('outcome_unknown');
    expect(e.message).toBe('Agilicus closed the connection before answering, so Billfold cannot tell whether Agilicus recorded it. Check the list before trying again.');
    expect(sb.server.exchanges.filter((x) => x.method === 'POST')).toHaveLength(1);
    // It was recorded: the list says so.
    expect((await client.getUsageRecords(active)).usage_records).toHaveLength(before + 1);
  });

  it('Agilicus records it and never answers: outcome_unknown after the timeout', async () => {
    const { sb, active } = await agilicus();
    const slow = createAgilicusClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, http: { ...fastHttp, connectTimeoutMs: 300, totalTimeoutMs: 300 } });
    sb.server.setFaults([{ kind: 'apply_then_hang', method: 'POST', times: 1 }]);
    const e = await failure(slow.addBillingUsageRecord(active));
    expect(e.code).toBe('outcome_unknown');
    expect(e.message).toContain('Billfold cannot tell whether Agilicus recorded it');
  });

  it('a write refused before it was sent is still a plain network error', async () => {
    // A port nothing listens on: the connection is refused, nothing was sent.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const dead = createAgilicusClient({ baseUrl: `http://127.0.0.1:${port}`, credentials: { kind: 'token', accessToken: 'x' }, http: fastHttp });
    expect((await failure(dead.addBillingUsageRecord('acct'))).code).toBe('network');
  });

  it('SpatialFlow writes carry one Idempotency-Key per action; a lost answer is asked again with the same key and replayed, never applied twice', async () => {
    const { sb, client } = await spatialflow();
    const cards = '/api/v1/billing/payment-methods';
    const before = (await client.listPaymentMethods()).length;
    sb.server.exchanges.length = 0;
    sb.server.setFaults([{ kind: 'apply_then_reset', method: 'POST', path: cards, times: 1 }]);

    const added = await client.addPaymentMethod('pm_card_mastercard');
    expect(added.message).toBe('Payment method added');
    const posts = sb.server.exchanges.filter((x) => x.method === 'POST' && x.path === cards);
    expect(posts).toHaveLength(2);
    const key = posts[0]!.requestHeaders['idempotency-key'];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[1]!.requestHeaders['idempotency-key']).toBe(key);
    expect(posts.map((p) => p.fault)).toEqual(['apply_then_reset', undefined]);
    expect((await client.listPaymentMethods()).filter((p) => p.id === 'pm_card_mastercard')).toHaveLength(1);
    expect(await client.listPaymentMethods()).toHaveLength(before + 1);

    // The next action has its own key.
    await client.setDefaultPaymentMethod('pm_card_mastercard');
    const put = sb.server.exchanges.filter((x) => x.method === 'PUT').at(-1)!;
    expect(put.requestHeaders['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(put.requestHeaders['idempotency-key']).not.toBe(key);
  });

  it('SpatialFlow: when the second try is lost too, the answer is outcome_unknown and the card was added once', async () => {
    const { sb, client } = await spatialflow();
    const cards = '/api/v1/billing/payment-methods';
    sb.server.setFaults([{ kind: 'apply_then_reset', method: 'POST', path: cards, times: 2 }]);
    const e = await failure(client.addPaymentMethod('pm_card_mastercard'));
    expect(e.code).toBe('outcome_unknown');
    expect(e.message).toContain('Billfold cannot tell whether SpatialFlow recorded it');
    expect((await client.listPaymentMethods()).filter((p) => p.id === 'pm_card_mastercard')).toHaveLength(1);
  });

  it('the SpatialFlow sandbox refuses a key reused with other parameters, as Stripe does', async () => {
    const { sb } = await spatialflow();
    const login = (await (await fetch(`${sb.apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sb.credentials.kind === 'password' ? { email: sb.credentials.email, password: sb.credentials.password } : {}),
    })).json()) as { access_token: string };
    const post = (body: unknown) =>
      fetch(`${sb.apiUrl}/api/v1/billing/payment-methods`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.access_token}`, 'Idempotency-Key': 'key-1' },
        body: JSON.stringify(body),
      });
    const first = await post({ payment_method_id: 'pm_card_mastercard' });
    expect(first.status).toBe(200);
    const replay = await post({ payment_method_id: 'pm_card_mastercard' });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const other = await post({ payment_method_id: 'pm_card_amex' });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: { type: 'idempotency_error' } });
  });
});
