import { z } from 'zod';
import { readableItems } from '../items';

/**
 * Response schemas for the Soracom billing API. Tolerant on purpose: every field is optional in the
 * spec, enums grow over time (SC-2022 had 6 payment statuses, the current spec 13), and the
 * seed-era spec typed amounts as int64 while the current one uses doubles. Unknown enum values
 * are kept as strings; only the fields the app relies on are required.
 */

export const knownCurrencies = ['JPY', 'USD', 'EUR'] as const;
export type SoracomCurrency = (typeof knownCurrencies)[number];

/** Currency codes beyond the three documented ones are accepted, upper-cased, so a new one shows instead of failing. */
const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/)
  .transform((c) => c.toUpperCase());

/** Finite number; integers (SC-2022 int64) and doubles (current spec) both parse. */
const amount = z.number().refine(Number.isFinite, 'amount must be a finite number');

const yyyyMM = z.string().regex(/^\d{6}$/, 'expected yyyyMM');
const yyyyMMdd = z.string().regex(/^\d{8}$/, 'expected yyyyMMdd');

export const knownPaymentStatuses = [
  'lessThanMinimumCharge',
  'paying',
  'paid',
  'fail',
  'refunding',
  'refunded',
  'refund_fail',
  'delegating_to_third_party',
  'delegated_to_third_party',
  'charging',
  'canceling',
  'cancelled',
  'cancel_failed',
] as const;

/** `amount` may be absent (a bill below the minimum charge, say): it is shown as no amount, not as 0. */
export const monthlyBillSchema = z.looseObject({
  amount: amount.optional(),
  appliedCouponAmount: amount.optional(),
  currency: currency.optional(),
  paymentStatus: z.string().optional(),
  paymentTransactionId: z.string().optional(),
  state: z.string().optional(),
  /** Required in a list, where nothing else says which month a bill is; `/bills/{yyyyMM}` names it. */
  yearMonth: yyyyMM.optional(),
});
export type MonthlyBill = z.output<typeof monthlyBillSchema>;

export const billingHistorySchema = z.looseObject({
  billList: z.preprocess((v) => v ?? [], readableItems(monthlyBillSchema.extend({ yearMonth: yyyyMM }))),
});
export type BillingHistoryResponse = z.output<typeof billingHistorySchema>;

export const dailyBillSchema = z.looseObject({
  amount,
  currency: currency.optional(),
  date: yyyyMMdd,
});
export type DailyBill = z.output<typeof dailyBillSchema>;

export const dailyBillResponseSchema = z.looseObject({
  billList: z.preprocess((v) => v ?? [], readableItems(dailyBillSchema)),
});
export type DailyBillResponse = z.output<typeof dailyBillResponseSchema>;

export const latestBillSchema = z.looseObject({
  amount: amount.optional(),
  currency: currency.optional(),
  /** yyyyMMddHHmmss in the spec's example; kept as text when it has another shape. */
  lastEvaluatedTime: z.string().optional(),
});
export type LatestBill = z.output<typeof latestBillSchema>;

/** `async` answers `{exportedFileId, exportedFilePath}`, `sync` answers `{url}`. */
export const fileExportResponseSchema = z
  .looseObject({
    exportedFileId: z.string().min(1).optional(),
    exportedFilePath: z.string().optional(),
    url: z.string().min(1).optional(),
  })
  .refine((r) => r.exportedFileId !== undefined || r.url !== undefined, 'neither exportedFileId nor url present');
export type FileExportResponse = z.output<typeof fileExportResponseSchema>;

export const exportedFileSchema = z.looseObject({
  /** processing | exported | failed; unknown values are treated as still processing. */
  status: z.string(),
  url: z.string().optional(),
});
export type ExportedFile = z.output<typeof exportedFileSchema>;

export const authResponseSchema = z.looseObject({
  apiKey: z.string().min(1),
  operatorId: z.string().min(1),
  token: z.string().min(1),
  userName: z.string().optional(),
});
export type AuthResponse = z.output<typeof authResponseSchema>;

export const generateTokenResponseSchema = z.looseObject({
  token: z.string().min(1),
});

/** The spec's `APICallError`. */
const nestedErrorSchema = z.looseObject({
  httpStatus: z.number().optional(),
  errorMessage: z.looseObject({ code: z.string(), message: z.string() }),
});
/** What the API has been seen answering, e.g. `{"code":"AUM0001","message":"..."}`. */
const flatErrorSchema = z.looseObject({
  code: z.string(),
  message: z.string().optional(),
});

export function readSoracomError(body: unknown): { code?: string; message?: string } {
  const nested = nestedErrorSchema.safeParse(body);
  if (nested.success) return { code: nested.data.errorMessage.code, message: nested.data.errorMessage.message };
  const flat = flatErrorSchema.safeParse(body);
  if (flat.success) {
    return flat.data.message === undefined ? { code: flat.data.code } : { code: flat.data.code, message: flat.data.message };
  }
  return {};
}
