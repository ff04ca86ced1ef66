import type { AgilicusResults } from '../../contract/channels/agilicus';
import type { AgilicusClient } from '../providers/agilicus/client';
import {
  mapAddUsageRecord,
  mapBillingAccount,
  mapBillingAccountList,
  mapOrg,
  mapOrgList,
  mapUsageRecordList,
} from '../providers/agilicus/map';
import type { HandlerTable } from '../router/types';

function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

export function createAgilicusHandlers(
  resolveClient: (accountId: string) => Promise<AgilicusClient>,
): HandlerTable<keyof AgilicusResults> {
  return {
    'agilicus.listBillingAccounts': async (a) => {
      const client = await resolveClient(a.accountId);
      const res = await client.listBillingAccounts(
        defined({
          limit: a.limit,
          orgId: a.orgId,
          customerId: a.customerId,
          getSubscriptionData: a.includeSubscriptions,
          getCustomerData: a.includeCustomer,
        }),
      );
      return mapBillingAccountList(res);
    },
    'agilicus.getBillingAccount': async (a) => {
      const client = await resolveClient(a.accountId);
      const res = await client.getBillingAccount(
        a.billingAccountId,
        defined({ orgId: a.orgId, getSubscriptionData: a.includeSubscriptions, getCustomerData: a.includeCustomer }),
      );
      return mapBillingAccount(res);
    },
    'agilicus.createBillingAccount': async (a) => {
      const client = await resolveClient(a.accountId);
      return mapBillingAccount(await client.createBillingAccount({ customerId: a.customerId, devMode: a.devMode ?? false }));
    },
    'agilicus.replaceBillingAccount': async (a) => {
      const client = await resolveClient(a.accountId);
      return mapBillingAccount(
        await client.replaceBillingAccount(a.billingAccountId, { customerId: a.customerId, devMode: a.devMode }),
      );
    },
    'agilicus.deleteBillingAccount': async (a) => {
      const client = await resolveClient(a.accountId);
      await client.deleteBillingAccount(a.billingAccountId);
      return { deleted: true };
    },
    'agilicus.getBillingAccountOrgs': async (a) => {
      const client = await resolveClient(a.accountId);
      return mapOrgList(await client.getBillingAccountOrgs(a.billingAccountId, defined({ limit: a.limit })));
    },
    'agilicus.addOrgToBillingAccount': async (a) => {
      const client = await resolveClient(a.accountId);
      return mapOrg(await client.addOrgToBillingAccount(a.billingAccountId, a.orgId));
    },
    'agilicus.removeOrgFromBillingAccount': async (a) => {
      const client = await resolveClient(a.accountId);
      await client.removeOrgFromBillingAccount(a.billingAccountId, a.orgId);
      return { removed: true };
    },
    'agilicus.getUsageRecords': async (a) => {
      const client = await resolveClient(a.accountId);
      return mapUsageRecordList(await client.getUsageRecords(a.billingAccountId, defined({ limit: a.limit })));
    },
    'agilicus.addBillingUsageRecord': async (a) => {
      const client = await resolveClient(a.accountId);
      const dryRun = a.dryRun ?? false;
      return mapAddUsageRecord(await client.addBillingUsageRecord(a.billingAccountId, { dryRun }), dryRun);
    },
  };
}
