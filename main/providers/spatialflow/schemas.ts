import { z } from 'zod';
import { normalizeCurrency } from '../../../contract/money';
import { isLoopbackHost } from '../../http/client';
import { readableItems } from '../items';

/**
 * SpatialFlow response shapes (spec v1.1.0, also accepting v1.0.0 bodies).
 * Loose objects: unknown keys pass through; fields the app uses are checked.
 */

const nullish = <T extends z.ZodType>(t: T) => t.nullish();
/** Unix seconds. Some serialisers send floats; the app only needs whole seconds. */
const unixSeconds = z.number().nonnegative().transform((n) => Math.trunc(n));
const minorUnits = z.number().int();
/** Datetimes come as Python `isoformat()` or `str(datetime)` (space instead of `T`). */
const isoDateTime = z
  .string()
  .min(10)
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s.replace(' ', 'T'))), 'not a date-time');

export const errorBodySchema = z.looseObject({
  detail: z.unknown().optional(),
  error_code: nullish(z.string()),
  details: z.unknown().optional(),
  // Some gateways answer with `{message}`; read it when `detail` is absent.
  message: z.unknown().optional(),
});

export const loginResponseSchema = z.looseObject({
  access_token: z.string().min(1).max(8192),
  refresh_token: z.string().min(1).max(8192),
  token_type: z.string().optional(),
  // A lifetime of 0 or less says nothing usable: treated as unknown (the token is renewed on a 401), not as an error.
  expires_in: z
    .number()
    .optional()
    .transform((n) => (n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined)),
  user: z
    .looseObject({ id: z.union([z.string(), z.number()]).optional(), email: z.string().optional() })
    .optional(),
});
export type LoginResponse = z.output<typeof loginResponseSchema>;

export const invoiceLineItemSchema = z.looseObject({
  description: z.string().default(''),
  quantity: z.number().int().default(1),
  unit_amount: minorUnits,
  amount: minorUnits,
});

export const invoiceSchema = z.looseObject({
  id: z.string().min(1).max(255),
  number: nullish(z.string()).transform((s) => s ?? ''),
  status: z.string(),
  amount_due: minorUnits,
  amount_paid: minorUnits,
  currency: z.string().refine((c) => {
    try {
      normalizeCurrency(c);
      return true;
    } catch {
      return false;
    }
  }, 'not an ISO 4217 currency code'),
  period_start: unixSeconds,
  period_end: unixSeconds,
  created_at: unixSeconds,
  invoice_pdf: nullish(z.string()),
  line_items: z.array(invoiceLineItemSchema).default([]),
});
export type InvoiceResponse = z.output<typeof invoiceSchema>;

/** The id of the last invoice on a page as sent, readable or not. */
function lastSentId(invoices: readonly unknown[]): string | undefined {
  for (let i = invoices.length - 1; i >= 0; i--) {
    const item = invoices[i];
    const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
    if (typeof id === 'string' && id !== '') return id;
  }
  return undefined;
}

const readableInvoices = readableItems(invoiceSchema);

/**
 * One page of invoices. `nextAfter` is what the next page starts after (`starting_after`): taken
 * from the page as sent, so a page whose invoices are all unreadable does not end the listing.
 */
export const invoiceListSchema = z
  .looseObject({
    invoices: z.array(z.unknown()),
    has_more: z.boolean(),
  })
  .transform((page) => ({ ...page, invoices: readableInvoices.parse(page.invoices), nextAfter: lastSentId(page.invoices) }));
export type InvoiceListResponse = z.output<typeof invoiceListSchema>;

/** An absolute https link, or http on this computer (the sandboxes); the download checks it again. */
function isLink(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
  } catch {
    return false;
  }
}

/**
 * The download body is free-form in the spec. The sandbox and the current API
 * send `url`; older builds are known under Stripe's names. A body with none of
 * those keys but exactly one link in it is read by that link, whatever its key.
 */
export const invoiceDownloadSchema = z
  .looseObject({
    url: nullish(z.string()),
    download_url: nullish(z.string()),
    invoice_pdf: nullish(z.string()),
  })
  .transform((b, ctx) => {
    let url = b.url ?? b.download_url ?? b.invoice_pdf;
    if (b.url === undefined && b.download_url === undefined && b.invoice_pdf === undefined) {
      const links = Object.values(b).filter((v): v is string => typeof v === 'string' && isLink(v));
      if (links.length === 1) url = links[0];
    }
    if (url === undefined || url === null || !/^https?:\/\//i.test(url)) {
      ctx.addIssue({ code: 'custom', message: 'no download URL in the response' });
      return z.NEVER;
    }
    return { url };
  });

export const paymentMethodSchema = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().default('card'),
  brand: nullish(z.string()),
  last4: z.string().max(8),
  exp_month: nullish(z.number().int().min(1).max(12)),
  exp_year: nullish(z.number().int()),
  is_default: z.boolean(),
  created_at: unixSeconds,
});
export type PaymentMethodResponse = z.output<typeof paymentMethodSchema>;
export const paymentMethodListSchema = readableItems(paymentMethodSchema);

export const planSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  description: z.string().default(''),
  price: z.number(),
  interval: z.string(),
  tier: z.string().default(''),
  display_name: z.string().default(''),
  // v1.1.0 additions: absent from v1.0.0 servers.
  price_monthly: z.number().optional(),
  price_yearly: z.number().optional(),
  is_featured: z.boolean().default(false),
  features: z.looseObject({
    api_calls: z.string().optional(),
    geofences: z.string().optional(),
    webhooks: z.string().optional(),
    test_points: z.string().optional(),
    support: z.string().optional(),
    custom_domains: nullish(z.string()),
    sla: nullish(z.string()),
    feature_list: z.array(z.string()).optional(),
  }),
  limits: z.looseObject({
    api_calls: z.number().int(),
    geofences: z.number().int(),
    webhooks_delivered: z.number().int(),
    test_points: z.number().int(),
    rate_limit_per_hour: z.number().int(),
    devices: z.number().int().optional(),
    log_retention_days: z.number().int().optional(),
    location_retention_days: z.number().int().optional(),
  }),
});
export type PlanResponse = z.output<typeof planSchema>;
export const planListSchema = z.array(planSchema);

export const subscriptionSchema = z.looseObject({
  user_id: z.union([z.string(), z.number()]).optional(),
  plan: planSchema,
  status: z.string(),
  current_period_start: nullish(isoDateTime),
  current_period_end: nullish(isoDateTime),
  cancel_at_period_end: z.boolean().default(false),
  created_at: isoDateTime,
  // Added in v1.1.0.
  updated_at: isoDateTime.optional(),
});
export type SubscriptionResponse = z.output<typeof subscriptionSchema>;

export const planChangePreviewSchema = z.looseObject({
  current_plan: planSchema,
  new_plan: planSchema,
  prorated_amount: minorUnits,
  immediate_charge: minorUnits,
  next_invoice_change: minorUnits,
  effective_date: z.string().max(64),
});
export type PlanChangePreviewResponse = z.output<typeof planChangePreviewSchema>;

export const setupIntentSchema = z.looseObject({
  client_secret: z.string().min(1).max(512),
});

/** Free-form success bodies (add / remove / set-default). */
export const freeFormSchema = z.unknown();
