import { mapReadable, unreadableField } from '../items';
import { fromDecimal, fromMinor } from '../../../contract/money';
import type {
  SpatialFlowInvoice,
  SpatialFlowInvoiceDownload,
  SpatialFlowPaymentMethod,
  SpatialFlowPaymentMethodList,
  SpatialFlowPlan,
  SpatialFlowPlanChangePreview,
  SpatialFlowSubscription,
} from '../../../contract/models/spatialflow';
import type {
  InvoiceResponse,
  PaymentMethodResponse,
  PlanChangePreviewResponse,
  PlanResponse,
  SubscriptionResponse,
} from './schemas';

/** Plans carry no currency; SpatialFlow bills in US dollars (prices are documented "in dollars"). */
const PLAN_CURRENCY = 'USD';

const fromUnix = (sec: number) => new Date(sec * 1000).toISOString();
/** Python sends `2025-06-15 10:00:00+00:00` or `2025-06-15T10:00:00+00:00`; the app wants ISO in UTC. */
export const isoFromApi = (s: string) => new Date(s.replace(' ', 'T')).toISOString();

export function mapInvoice(inv: InvoiceResponse): SpatialFlowInvoice {
  const money = (minor: number) => fromMinor(minor, inv.currency);
  return {
    id: inv.id,
    number: inv.number,
    status: inv.status,
    amountDue: money(inv.amount_due),
    amountPaid: money(inv.amount_paid),
    periodStart: fromUnix(inv.period_start),
    periodEnd: fromUnix(inv.period_end),
    createdAt: fromUnix(inv.created_at),
    // The key is optional in the spec: left out, it says nothing, and /download is asked. Null or empty means none.
    hasPdf: inv.invoice_pdf !== null && inv.invoice_pdf !== '',
    lines: inv.line_items.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unitAmount: money(l.unit_amount),
      amount: money(l.amount),
    })),
  };
}

/** A file name for saving: the invoice number with anything unusual replaced. */
export function invoiceFileName(inv: { id: string; number: string }): string {
  const base = (inv.number || inv.id).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `SpatialFlow-${base}.pdf`;
}

export function mapInvoiceDownload(inv: { id: string; number: string }, url: string): SpatialFlowInvoiceDownload {
  return { invoiceId: inv.id, url, fileName: invoiceFileName(inv) };
}

export function mapPaymentMethod(pm: PaymentMethodResponse, now = new Date()): SpatialFlowPaymentMethod {
  const out: SpatialFlowPaymentMethod = {
    id: pm.id,
    type: pm.type,
    last4: pm.last4,
    isDefault: pm.is_default,
    createdAt: fromUnix(pm.created_at),
    expired: false,
  };
  if (pm.brand !== undefined && pm.brand !== null && pm.brand !== '') out.brand = pm.brand.toLowerCase();
  if (typeof pm.exp_month === 'number' && typeof pm.exp_year === 'number') {
    out.expiry = `${String(pm.exp_month).padStart(2, '0')}/${pm.exp_year}`;
    const y = now.getUTCFullYear();
    const m = now.getUTCMonth() + 1;
    out.expired = pm.exp_year < y || (pm.exp_year === y && pm.exp_month < m);
  }
  return out;
}

/** Default card first, then newest. */
export function mapPaymentMethods(list: PaymentMethodResponse[], now = new Date()): SpatialFlowPaymentMethodList {
  const { items: methods, unreadable } = mapReadable(list, (pm) => mapPaymentMethod(pm, now));
  methods.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || b.createdAt.localeCompare(a.createdAt));
  return { methods, ...unreadableField(unreadable) };
}

function featureList(p: PlanResponse): string[] {
  if (p.features.feature_list !== undefined && p.features.feature_list.length > 0) return p.features.feature_list;
  const f = p.features;
  return [
    f.api_calls && `${f.api_calls} API calls`,
    f.geofences && `${f.geofences} geofences`,
    f.webhooks && `${f.webhooks} webhooks`,
    f.test_points && `${f.test_points} test points`,
    f.support && `${f.support} support`,
    f.sla ?? undefined,
  ].filter((x): x is string => typeof x === 'string' && x !== '');
}

export function mapPlan(p: PlanResponse): SpatialFlowPlan {
  const out: SpatialFlowPlan = {
    id: p.id,
    name: p.display_name || p.name,
    description: p.description,
    tier: p.tier.toLowerCase(),
    price: fromDecimal(p.price, PLAN_CURRENCY),
    interval: p.interval,
    features: featureList(p),
    limits: {
      apiCalls: p.limits.api_calls,
      geofences: p.limits.geofences,
      webhooksDelivered: p.limits.webhooks_delivered,
      testPoints: p.limits.test_points,
      rateLimitPerHour: p.limits.rate_limit_per_hour,
    },
    featured: p.is_featured,
  };
  if (p.price_monthly !== undefined) out.priceMonthly = fromDecimal(p.price_monthly, PLAN_CURRENCY);
  if (p.price_yearly !== undefined) out.priceYearly = fromDecimal(p.price_yearly, PLAN_CURRENCY);
  if (p.limits.devices !== undefined) out.limits.devices = p.limits.devices;
  if (p.limits.log_retention_days !== undefined) out.limits.logRetentionDays = p.limits.log_retention_days;
  if (p.limits.location_retention_days !== undefined) out.limits.locationRetentionDays = p.limits.location_retention_days;
  return out;
}

/** Cheapest first, as a plan picker shows them. */
export function mapPlans(list: PlanResponse[]): SpatialFlowPlan[] {
  return list.map(mapPlan).sort((a, b) => a.price.minor - b.price.minor);
}

export function mapSubscription(s: SubscriptionResponse): SpatialFlowSubscription {
  const out: SpatialFlowSubscription = {
    plan: mapPlan(s.plan),
    status: s.status,
    cancelAtPeriodEnd: s.cancel_at_period_end,
    createdAt: isoFromApi(s.created_at),
  };
  if (s.current_period_start) out.currentPeriodStart = isoFromApi(s.current_period_start);
  if (s.current_period_end) out.currentPeriodEnd = isoFromApi(s.current_period_end);
  if (s.updated_at !== undefined) out.updatedAt = isoFromApi(s.updated_at);
  return out;
}

export function mapPlanChangePreview(p: PlanChangePreviewResponse): SpatialFlowPlanChangePreview {
  const usd = (minor: number) => fromMinor(minor, PLAN_CURRENCY);
  const effective = Date.parse(p.effective_date.replace(' ', 'T'));
  return {
    currentPlan: mapPlan(p.current_plan),
    newPlan: mapPlan(p.new_plan),
    proratedAmount: usd(p.prorated_amount),
    immediateCharge: usd(p.immediate_charge),
    nextInvoiceChange: usd(p.next_invoice_change),
    // The format is not documented; keep the provider's text when it is not a date.
    effectiveDate: Number.isNaN(effective) ? p.effective_date : new Date(effective).toISOString(),
  };
}
