import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSoracomClient } from '../../../main/providers/soracom/client';
import { startSoracomSandbox, type SoracomSandbox } from '../../../main/sandbox/soracom';
import { failure } from '../../support/errors';

/** A provider's Retry-After: a long wait fails at once saying until when; a short one is waited out and told. */
let sb: SoracomSandbox;
beforeAll(async () => {
  sb = await startSoracomSandbox({ seed: 11, now: new Date('2025-03-15T10:00:00Z') });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => sb.server.clearFaults());

const clock = (at: number) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

describe('Retry-After', () => {
  it('longer than 30 s: fails at once with the local time to wait until, without waiting', async () => {
    const waits: number[] = [];
    const client = createSoracomClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, http: { onRetryWait: (w) => waits.push(w.ms) } });
    await client.login();
    sb.server.exchanges.length = 0;
    sb.server.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 600, method: 'GET' }]);
    const before = Date.now();
    const e = await failure(client.getBillingHistory());
    const after = Date.now();
    expect(e.code).toBe('rate_limited');
    // Either minute, should the clock turn during the call.
    expect([clock(before + 600_000), clock(after + 600_000)].map((t) => `Soracom asks to wait until ${t} before the next request. Try again then.`)).toContain(e.message);
    expect(sb.server.exchanges.filter((x) => x.method === 'GET')).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('far too long: the message names a real date and time, no more than 30 days ahead', async () => {
    const client = createSoracomClient({ baseUrl: sb.apiUrl, credentials: sb.credentials });
    await client.login();
    sb.server.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 1e14, method: 'GET' }]);
    const before = Date.now();
    const e = await failure(client.getBillingHistory());
    const after = Date.now();
    const month = 30 * 24 * 3_600_000;
    expect(e.retryAfterMs).toBe(month);
    const when = (at: number) => new Date(at).toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    expect([when(before + month), when(after + month)].map((t) => `Soracom asks to wait until ${t} before the next request. Try again then.`)).toContain(e.message);
  });

  it('not whole seconds ("1.5"): the normal back-off, not an immediate retry told as a wait', async () => {
    const waits: number[] = [];
    const client = createSoracomClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, http: { onRetryWait: (w) => waits.push(w.ms) } });
    await client.login();
    sb.server.setFaults([{ kind: 'status', status: 503, retryAfterSeconds: 1.5, method: 'GET', times: 1 }]);
    const res = await client.getBillingHistory();
    expect(res.billList).toHaveLength(18);
    expect(waits).toEqual([]);
  });

  it('30 s or less: waited out, and whoever listens is told how long', async () => {
    const waits: { ms: number; status: number }[] = [];
    const client = createSoracomClient({ baseUrl: sb.apiUrl, credentials: sb.credentials, http: { onRetryWait: (w) => waits.push(w) } });
    await client.login();
    sb.server.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'GET', times: 1 }]);
    const res = await client.getBillingHistory();
    expect(res.billList).toHaveLength(18);
    expect(waits).toEqual([{ ms: 1000, status: 429 }]);
  });
});
