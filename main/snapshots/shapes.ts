import { z } from 'zod';

/**
 * The shape of every read channel's answer, as kept in offline snapshots. A snapshot that does
 * not match (a damaged file, another version's data) is discarded for its view alone, so a view
 * never renders "$NaN / month" from it nor waits for data that cannot come. Only what the views
 * read is checked; extra fields pass.
 */
const money = z.object({ minor: z.number().int(), currency: z.string().regex(/^[A-Z]{3}$/) });
const str = z.string();
const num = z.number().finite();
const opt = <T extends z.ZodType>(t: T) => t.optional();
const nul = <T extends z.ZodType>(t: T) => t.nullable();

const sfPlan = z.object({
  id: str,
  name: str,
  description: str,
  tier: str,
  price: money,
  interval: str,
  priceMonthly: opt(money),
  priceYearly: opt(money),
  features: z.array(str),
  limits: z.object({ apiCalls: num, geofences: num, webhooksDelivered: num, testPoints: num, rateLimitPerHour: num }),
  featured: z.boolean(),
});
const sfInvoice = z.object({
  id: str,
  number: str,
  status: str,
  amountDue: money,
  amountPaid: money,
  periodStart: str,
  periodEnd: str,
  createdAt: str,
  hasPdf: z.boolean(),
  lines: z.array(z.object({ description: str, quantity: num, unitAmount: money, amount: money })),
});

const agOrg = z.object({
  id: str,
  name: str,
  subdomain: nul(str),
  slug: nul(str),
  adminState: nul(str),
  currentState: nul(str),
  allUp: nul(z.boolean()),
  billingAccountId: nul(str),
});
const agAccount = z.object({
  id: str,
  customerId: nul(str),
  devMode: z.boolean(),
  created: nul(str),
  updated: nul(str),
  orgs: z.array(agOrg),
  products: z.array(str),
  customer: nul(z.object({ name: nul(str), email: nul(str) })),
  subscriptions: nul(
    z.array(
      z.object({
        id: nul(str),
        status: nul(str),
        planName: nul(str),
        unitPrice: nul(money),
        interval: nul(str),
        quantity: nul(num),
        currentPeriodEnd: nul(str),
        cancelAtPeriodEnd: z.boolean(),
      }),
    ),
  ),
});
const agUsage = z.object({ quantity: nul(num), timestamp: nul(str), date: nul(str) });

const soMonthly = z.object({ yearMonth: str, amount: nul(money), appliedCouponAmount: opt(money), state: opt(str), paymentStatus: opt(str) });

export const readResultShapes: Record<string, z.ZodType> = {
  'spatialflow.listPaymentMethods': z.object({
    methods: z.array(z.object({ id: str, type: str, brand: opt(str), last4: str, expiry: opt(str), expired: z.boolean(), isDefault: z.boolean(), createdAt: str })),
  }),
  'spatialflow.listInvoices': z.object({ invoices: z.array(sfInvoice), hasMore: z.boolean(), nextCursor: opt(str) }),
  'spatialflow.getInvoice': sfInvoice,
  'spatialflow.getSubscription': z.object({
    plan: sfPlan,
    status: str,
    currentPeriodStart: opt(str),
    currentPeriodEnd: opt(str),
    cancelAtPeriodEnd: z.boolean(),
    createdAt: str,
  }),
  'spatialflow.listPlans': z.array(sfPlan),
  'agilicus.listBillingAccounts': z.object({ limit: num, accounts: z.array(agAccount), mayBeTruncated: z.boolean() }),
  'agilicus.getBillingAccount': agAccount,
  'agilicus.getBillingAccountOrgs': z.object({ limit: num, orgs: z.array(agOrg), mayBeTruncated: z.boolean() }),
  'agilicus.getUsageRecords': z.object({ limit: num, records: z.array(agUsage), totalQuantity: num, mayBeTruncated: z.boolean() }),
  'soracom.getBillingHistory': z.object({ bills: z.array(soMonthly) }),
  'soracom.getBilling': soMonthly,
  'soracom.getBillingPerDay': z.object({ yearMonth: str, days: z.array(z.object({ date: str, amount: money })), totals: z.array(money) }),
  'soracom.getLatestBilling': z.object({ amount: nul(money), lastEvaluatedTime: opt(str), lastEvaluatedAt: opt(str) }),
};

/** True when `value` has the shape `channel` answers with (channels without a known shape pass). */
export function matchesReadResult(channel: string, value: unknown): boolean {
  const shape = readResultShapes[channel];
  return shape === undefined || shape.safeParse(value).success;
}
