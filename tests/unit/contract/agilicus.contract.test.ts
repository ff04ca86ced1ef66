import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../main/http/errors';
import { createAgilicusClient, type AgilicusClient } from '../../../main/providers/agilicus/client';
import { startAgilicusSandbox, type AgilicusSandbox } from '../../../main/sandbox/agilicus';
import { loadOpenApi, specFiles, validateExchange } from '../../support/openapi';

/*
 * The Agilicus spec is reconstructed from the 1.123 SDK, not official. Every
 * exchange of the happy paths and of the documented error answers must match it.
 * Known gaps (kept out of the strict check, listed in the last test):
 * 401 is not documented on any operation, nor 404 on the usage-record POST.
 */

const spec = loadOpenApi(specFiles.agilicus);
let sb: AgilicusSandbox;
let client: AgilicusClient;

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toSatisfy((e) => e instanceof AppError && e.code === code);
}

beforeAll(async () => {
  sb = await startAgilicusSandbox({ seed: 11, now: new Date('2025-06-30T08:00:00Z') });
  client = createAgilicusClient({
    baseUrl: sb.apiUrl,
    credentials: sb.credentials,
    http: { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, totalTimeoutMs: 2000 },
  });
});

afterAll(async () => {
  await sb.close();
});

describe('agilicus exchanges against the reconstructed OpenAPI file', () => {
  it('every happy-path and documented-error exchange conforms', async () => {
    const list = await client.listBillingAccounts({ limit: 10, getCustomerData: true, getSubscriptionData: true });
    await client.listBillingAccounts();
    const accounts = list.billing_accounts ?? [];
    const active = accounts.find((a) => a.status?.subscriptions?.some((s) => s.status === 'active'));
    const canceled = accounts.find((a) => a.status?.subscriptions?.some((s) => s.status === 'canceled'));
    if (!active || !canceled) throw new Error('seed data is missing an account');
    const id = active.metadata.id;
    const orgId = active.status?.orgs?.[0]?.id ?? '';

    await client.listBillingAccounts({ orgId, customerId: active.spec?.customer_id ?? '' });
    await client.getBillingAccount(id);
    await client.getBillingAccount(id, { orgId, getSubscriptionData: true, getCustomerData: true });
    await expectCode(client.getBillingAccount('NoSuchAccount'), 'not_found');

    const created = await client.createBillingAccount({ customerId: 'cus_ContractTest01', devMode: true });
    await expectCode(client.createBillingAccount({ customerId: 'cus_ContractTest01' }), 'conflict');
    await expectCode(client.createBillingAccount({ customerId: '' }), 'validation');
    await client.replaceBillingAccount(created.metadata.id, { customerId: 'cus_ContractTest02', devMode: false });
    await expectCode(client.replaceBillingAccount('NoSuchAccount', { customerId: 'cus_x' }), 'not_found');

    await client.getBillingAccountOrgs(id);
    await client.getBillingAccountOrgs(id, { limit: 1 });
    await expectCode(client.getBillingAccountOrgs('NoSuchAccount'), 'not_found');
    const spare = sb.directoryOrgIds().find((o) => o.billingAccountId === undefined)?.id ?? '';
    await client.addOrgToBillingAccount(created.metadata.id, spare);
    await expectCode(client.addOrgToBillingAccount(id, 'NoSuchOrg'), 'not_found');
    await client.removeOrgFromBillingAccount(created.metadata.id, spare);
    await expectCode(client.removeOrgFromBillingAccount(created.metadata.id, spare), 'not_found');

    await client.getUsageRecords(id);
    await client.getUsageRecords(id, { limit: 3 });
    await expectCode(client.getUsageRecords('NoSuchAccount'), 'not_found');
    await client.addBillingUsageRecord(id, { dryRun: true });
    await client.addBillingUsageRecord(id);
    await expectCode(client.addBillingUsageRecord(canceled.metadata.id), 'validation');

    await client.deleteBillingAccount(created.metadata.id);
    await expectCode(client.deleteBillingAccount(created.metadata.id), 'not_found');
    await client.testConnection();

    const exchanges = sb.server.exchanges;
    expect(exchanges).toHaveLength(27);
    const statuses = new Set(exchanges.map((x) => `${x.method} ${x.route ?? x.path} ${x.status}`));
    for (const want of [
      'POST /v1/billing_accounts 201',
      'POST /v1/billing_accounts 409',
      'POST /v1/billing_accounts 400',
      'DELETE /v1/billing_accounts/:billing_account_id 204',
      'POST /v1/billing_accounts/:billing_account_id/orgs 200',
      'POST /v1/billing_accounts/:billing_account_id/usage_records 201',
      'POST /v1/billing_accounts/:billing_account_id/usage_records 400',
    ]) {
      expect(statuses).toContain(want);
    }
    const problems = exchanges.flatMap((x) => validateExchange(spec, x));
    expect(problems).toEqual([]);
  });

  it('fault answers still match the spec on the request side', async () => {
    sb.server.exchanges.length = 0;
    sb.server.setFaults([{ kind: 'status', status: 503, times: 1 }]);
    await client.listBillingAccounts();
    sb.server.clearFaults();
    const problems = sb.server.exchanges.flatMap((x) => validateExchange(spec, x, { ignoreUndocumentedStatus: true }));
    expect(problems).toEqual([]);
  });

  it('documents where the sandbox answers with statuses the reconstructed spec does not list', async () => {
    sb.server.exchanges.length = 0;
    sb.expireTokens();
    await expectCode(client.listBillingAccounts(), 'auth_failed');
    await client.setAccessToken(sb.issueToken());
    await expectCode(client.addBillingUsageRecord('NoSuchAccount', { dryRun: true }), 'not_found');
    const problems = sb.server.exchanges.flatMap((x) => validateExchange(spec, x));
    expect(problems).toEqual([
      'GET /v1/billing_accounts: response status 401 is not documented',
      'POST /v1/billing_accounts/{billing_account_id}/usage_records: response status 404 is not documented',
    ]);
  });
});
