import { z } from 'zod';
import type {
  AgilicusBillingAccount,
  AgilicusBillingAccountList,
  AgilicusOrg,
  AgilicusOrgList,
  AgilicusUsageRecordList,
  AgilicusUsageRecordResult,
} from '../models/agilicus';

const accountId = z.string().min(1).max(64);
/** Agilicus ids are short base62 strings; allow some slack but nothing that could escape a path segment. */
const agilicusId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Only letters, digits, _ and -');
const customerId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Only letters, digits and _ . : -');
const limit = z.int().min(1).max(10_000);

export const agilicusArgs = {
  'agilicus.listBillingAccounts': z.strictObject({
    accountId,
    limit: limit.optional(),
    orgId: agilicusId.optional(),
    customerId: customerId.optional(),
    includeSubscriptions: z.boolean().optional(),
    includeCustomer: z.boolean().optional(),
  }),
  'agilicus.getBillingAccount': z.strictObject({
    accountId,
    billingAccountId: agilicusId,
    orgId: agilicusId.optional(),
    includeSubscriptions: z.boolean().optional(),
    includeCustomer: z.boolean().optional(),
  }),
  'agilicus.createBillingAccount': z.strictObject({
    accountId,
    customerId,
    devMode: z.boolean().optional(),
  }),
  'agilicus.replaceBillingAccount': z.strictObject({
    accountId,
    billingAccountId: agilicusId,
    customerId,
    devMode: z.boolean(),
  }),
  'agilicus.deleteBillingAccount': z.strictObject({ accountId, billingAccountId: agilicusId }),
  'agilicus.getBillingAccountOrgs': z.strictObject({
    accountId,
    billingAccountId: agilicusId,
    limit: limit.optional(),
  }),
  'agilicus.addOrgToBillingAccount': z.strictObject({
    accountId,
    billingAccountId: agilicusId,
    orgId: agilicusId,
  }),
  'agilicus.removeOrgFromBillingAccount': z.strictObject({
    accountId,
    billingAccountId: agilicusId,
    orgId: agilicusId,
  }),
  'agilicus.getUsageRecords': z.strictObject({
    accountId,
    billingAccountId: agilicusId,
    limit: limit.optional(),
  }),
  'agilicus.addBillingUsageRecord': z.strictObject({
    accountId,
    billingAccountId: agilicusId,
    dryRun: z.boolean().optional(),
  }),
};

export interface AgilicusResults {
  'agilicus.listBillingAccounts': AgilicusBillingAccountList;
  'agilicus.getBillingAccount': AgilicusBillingAccount;
  'agilicus.createBillingAccount': AgilicusBillingAccount;
  'agilicus.replaceBillingAccount': AgilicusBillingAccount;
  'agilicus.deleteBillingAccount': { deleted: true };
  'agilicus.getBillingAccountOrgs': AgilicusOrgList;
  'agilicus.addOrgToBillingAccount': AgilicusOrg;
  'agilicus.removeOrgFromBillingAccount': { removed: true };
  'agilicus.getUsageRecords': AgilicusUsageRecordList;
  'agilicus.addBillingUsageRecord': AgilicusUsageRecordResult;
}
