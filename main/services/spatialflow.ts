import { mapReadable, unreadableField } from '../providers/items';
import type { SpatialFlowResults } from '../../contract/channels/spatialflow';
import type { SpatialFlowSubscriptionChange } from '../../contract/models/spatialflow';
import type { SpatialFlowClient, SubscriptionChangeResult } from '../providers/spatialflow/client';
import {
  mapInvoice,
  mapInvoiceDownload,
  mapPaymentMethods,
  mapPlanChangePreview,
  mapPlans,
  mapSubscription,
} from '../providers/spatialflow/map';
import { readAfterWrite } from '../http/errors';
import type { HandlerTable } from '../router/types';

function mapChange(r: SubscriptionChangeResult, fallback: string): SpatialFlowSubscriptionChange {
  return { message: r.message ?? fallback, subscription: mapSubscription(r.subscription) };
}

/** Channel handlers for SpatialFlow accounts. Arguments arrive already validated by the router. */
export function createSpatialFlowHandlers(
  resolveClient: (accountId: string) => Promise<SpatialFlowClient>,
): HandlerTable<keyof SpatialFlowResults> {
  const listCards = async (client: SpatialFlowClient) => mapPaymentMethods(await client.listPaymentMethods());

  return {
    'spatialflow.listPaymentMethods': async ({ accountId }) => listCards(await resolveClient(accountId)),

    'spatialflow.addPaymentMethod': async ({ accountId, paymentMethodId }) => {
      const client = await resolveClient(accountId);
      await client.addPaymentMethod(paymentMethodId);
      return readAfterWrite('The card was added.', () => listCards(client));
    },

    'spatialflow.removePaymentMethod': async ({ accountId, paymentMethodId }) => {
      const client = await resolveClient(accountId);
      await client.removePaymentMethod(paymentMethodId);
      return readAfterWrite('The card was removed.', () => listCards(client));
    },

    'spatialflow.setDefaultPaymentMethod': async ({ accountId, paymentMethodId }) => {
      const client = await resolveClient(accountId);
      await client.setDefaultPaymentMethod(paymentMethodId);
      return readAfterWrite('The default card was changed.', () => listCards(client));
    },

    'spatialflow.listInvoices': async ({ accountId, limit, startingAfter }) => {
      const client = await resolveClient(accountId);
      const page = await client.listInvoices(startingAfter === undefined ? { limit } : { limit, startingAfter });
      const { items: invoices, unreadable } = mapReadable(page.invoices, mapInvoice);
      const left = unreadableField(unreadable);
      return page.has_more && page.nextAfter !== undefined ? { invoices, hasMore: true, nextCursor: page.nextAfter, ...left } : { invoices, hasMore: false, ...left };
    },

    'spatialflow.getInvoice': async ({ accountId, invoiceId }) =>
      mapInvoice(await (await resolveClient(accountId)).getInvoice(invoiceId)),

    'spatialflow.downloadInvoice': async ({ accountId, invoiceId }) => {
      const client = await resolveClient(accountId);
      const [invoice, link] = await Promise.all([client.getInvoice(invoiceId), client.downloadInvoice(invoiceId)]);
      return mapInvoiceDownload(invoice, link.url);
    },

    'spatialflow.createSetupIntent': async ({ accountId }) => {
      const r = await (await resolveClient(accountId)).createSetupIntent();
      // Only the id part: the client secret never leaves the main process.
      return { intentId: r.client_secret.split('_secret_')[0] || 'seti' };
    },

    'spatialflow.previewPlanChange': async ({ accountId, newPlanId }) =>
      mapPlanChangePreview(await (await resolveClient(accountId)).previewPlanChange(newPlanId)),

    'spatialflow.changePlan': async ({ accountId, newPlanId }) =>
      mapChange(await (await resolveClient(accountId)).changePlan(newPlanId), 'Your plan was changed.'),

    'spatialflow.cancelSubscription': async ({ accountId }) =>
      mapChange(
        await (await resolveClient(accountId)).cancelSubscription(),
        'Your subscription will end at the close of the current billing period.',
      ),

    'spatialflow.reactivateSubscription': async ({ accountId }) =>
      mapChange(await (await resolveClient(accountId)).reactivateSubscription(), 'Your subscription was reactivated.'),

    'spatialflow.getSubscription': async ({ accountId }) =>
      mapSubscription(await (await resolveClient(accountId)).getCurrentSubscription()),

    'spatialflow.listPlans': async ({ accountId }) => mapPlans(await (await resolveClient(accountId)).listPlans()),
  };
}
