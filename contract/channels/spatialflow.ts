import { z } from 'zod';
import type {
  SpatialFlowInvoice,
  SpatialFlowInvoiceDownload,
  SpatialFlowInvoicePage,
  SpatialFlowPaymentMethodList,
  SpatialFlowPlan,
  SpatialFlowPlanChangePreview,
  SpatialFlowSetupIntent,
  SpatialFlowSubscription,
  SpatialFlowSubscriptionChange,
} from '../models/spatialflow';

const accountId = z.string().min(1).max(64);
/** Stripe-style ids: a short prefix, an underscore, then letters, digits and underscores. */
const stripeId = (prefix: string) =>
  z
    .string()
    .min(prefix.length + 2)
    .max(255)
    .regex(new RegExp(`^${prefix}_[A-Za-z0-9_]+$`), `must look like ${prefix}_…`);
const invoiceId = stripeId('in');
const paymentMethodId = stripeId('pm');
const planId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a plan id');

const account = z.strictObject({ accountId });

/** A SpatialFlow invoice id (`in_…`), for other channels that take one (`files.saveInvoicePdf`). */
export { invoiceId as spatialflowInvoiceId };

export const spatialflowArgs = {
  'spatialflow.listPaymentMethods': account,
  'spatialflow.addPaymentMethod': z.strictObject({ accountId, paymentMethodId }),
  'spatialflow.removePaymentMethod': z.strictObject({ accountId, paymentMethodId }),
  'spatialflow.setDefaultPaymentMethod': z.strictObject({ accountId, paymentMethodId }),
  'spatialflow.listInvoices': z.strictObject({
    accountId,
    limit: z.int().min(1).max(100).default(10),
    startingAfter: invoiceId.optional(),
  }),
  'spatialflow.getInvoice': z.strictObject({ accountId, invoiceId }),
  'spatialflow.downloadInvoice': z.strictObject({ accountId, invoiceId }),
  'spatialflow.createSetupIntent': account,
  'spatialflow.previewPlanChange': z.strictObject({ accountId, newPlanId: planId }),
  'spatialflow.changePlan': z.strictObject({ accountId, newPlanId: planId }),
  'spatialflow.cancelSubscription': account,
  'spatialflow.reactivateSubscription': account,
  'spatialflow.getSubscription': account,
  'spatialflow.listPlans': account,
};

export interface SpatialFlowResults {
  'spatialflow.listPaymentMethods': SpatialFlowPaymentMethodList;
  /** Add, remove and set-default answer with the payment methods as they are afterwards. */
  'spatialflow.addPaymentMethod': SpatialFlowPaymentMethodList;
  'spatialflow.removePaymentMethod': SpatialFlowPaymentMethodList;
  'spatialflow.setDefaultPaymentMethod': SpatialFlowPaymentMethodList;
  'spatialflow.listInvoices': SpatialFlowInvoicePage;
  'spatialflow.getInvoice': SpatialFlowInvoice;
  'spatialflow.downloadInvoice': SpatialFlowInvoiceDownload;
  'spatialflow.createSetupIntent': SpatialFlowSetupIntent;
  'spatialflow.previewPlanChange': SpatialFlowPlanChangePreview;
  'spatialflow.changePlan': SpatialFlowSubscriptionChange;
  'spatialflow.cancelSubscription': SpatialFlowSubscriptionChange;
  'spatialflow.reactivateSubscription': SpatialFlowSubscriptionChange;
  'spatialflow.getSubscription': SpatialFlowSubscription;
  'spatialflow.listPlans': SpatialFlowPlan[];
}
