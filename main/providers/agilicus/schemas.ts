import { z } from 'zod';
import { readableItems } from '../items';

/*
 * Response shapes of the Agilicus billing API (SDK 1.123 era, see
 * shared/providers/agilicus). Every model allows extra keys, as the SDK does;
 * enums are read as plain strings so a new state does not break a sync. Only
 * the ids the app acts on are required.
 */

export const errorMessageSchema = z.looseObject({
  error_code: z.string().optional(),
  error_message: z.string().optional(),
});
export type ErrorMessage = z.output<typeof errorMessageSchema>;

export const metadataWithIdSchema = z.looseObject({
  id: z.string().min(1),
  created: z.string().nullish(),
  updated: z.string().nullish(),
});

export const organisationStatusSchema = z.looseObject({
  all_up: z.boolean().nullish(),
  admin_up: z.boolean().nullish(),
  issuer_up: z.boolean().nullish(),
  current_state: z.string().nullish(),
});

export const featureFlagSchema = z.looseObject({
  feature: z.string().nullish(),
  enabled: z.boolean().nullish(),
  setting: z.string().nullish(),
});

export const organisationSchema = z.looseObject({
  id: z.string().min(1),
  organisation: z.string().nullish(),
  subdomain: z.string().nullish(),
  name_slug: z.string().nullish(),
  admin_state: z.string().nullish(),
  status: organisationStatusSchema.nullish(),
  billing_account_id: z.string().nullish(),
  parent_id: z.string().nullish(),
  root_org_id: z.string().nullish(),
  feature_flags: z.array(featureFlagSchema).nullish(),
});
export type Organisation = z.output<typeof organisationSchema>;

/** Epoch seconds (Stripe style) or an ISO string, depending on the billing backend. */
const instant = z.union([z.number(), z.string()]);

const planSchema = z.looseObject({
  id: z.string().nullish(),
  nickname: z.string().nullish(),
  name: z.string().nullish(),
  amount: z.number().nullish(),
  currency: z.string().nullish(),
  interval: z.string().nullish(),
});

/** Free-form in SDK 1.123; later versions type it as BillingSubscription. */
export const subscriptionSchema = z.looseObject({
  id: z.string().nullish(),
  status: z.string().nullish(),
  plan: z.union([planSchema, z.string()]).nullish(),
  quantity: z.number().nullish(),
  current_period_end: instant.nullish(),
  cancel_at_period_end: z.boolean().nullish(),
});
export type Subscription = z.output<typeof subscriptionSchema>;

export const billingCustomerSchema = z.looseObject({
  name: z.string().nullish(),
  email: z.string().nullish(),
});

export const billingProductSchema = z.looseObject({ name: z.string().nullish() });

export const billingAccountSchema = z.looseObject({
  metadata: metadataWithIdSchema,
  spec: z
    .looseObject({
      customer_id: z.string().nullish(),
      dev_mode: z.boolean().nullish(),
    })
    .nullish(),
  status: z
    .looseObject({
      orgs: readableItems(organisationSchema).nullish(),
      subscriptions: z.array(subscriptionSchema).nullish(),
      customer: billingCustomerSchema.nullish(),
      products: z.array(billingProductSchema).nullish(),
    })
    .nullish(),
});
export type BillingAccount = z.output<typeof billingAccountSchema>;

export const listBillingAccountsResponseSchema = z.looseObject({
  limit: z.number().int(),
  billing_accounts: readableItems(billingAccountSchema).nullish(),
});
export type ListBillingAccountsResponse = z.output<typeof listBillingAccountsResponseSchema>;

export const listOrgsResponseSchema = z.looseObject({
  limit: z.number().int(),
  orgs: readableItems(organisationSchema).nullish(),
});
export type ListOrgsResponse = z.output<typeof listOrgsResponseSchema>;

export const billingUsageRecordSchema = z.looseObject({
  dry_run: z.boolean().nullish(),
  quantity: z.number().nullish(),
  timestamp: instant.nullish(),
});
export type BillingUsageRecord = z.output<typeof billingUsageRecordSchema>;

export const listUsageRecordsResponseSchema = z.looseObject({
  limit: z.number().int(),
  usage_records: readableItems(billingUsageRecordSchema).nullish(),
});
export type ListUsageRecordsResponse = z.output<typeof listUsageRecordsResponseSchema>;

/**
 * POST usage_records answers one BillingUsageRecord (SDK 1.123, the seed) or,
 * on later API versions, `CreateBillingUsageRecords {dry_run, usage_records[]}`.
 */
export const addUsageRecordResponseSchema = z.union([
  z.looseObject({
    dry_run: z.boolean().nullish(),
    usage_records: z.array(billingUsageRecordSchema),
  }),
  billingUsageRecordSchema,
]);
export type AddUsageRecordResponse = z.output<typeof addUsageRecordResponseSchema>;
