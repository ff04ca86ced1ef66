/** Seeded, deterministic SpatialFlow sandbox data: plans, user, cards, invoices. */

import { mulberry32 } from '../prng';

export type Rng = () => number;

/** A stream of its own for item `index`, so lazily generated items do not depend on generation order. */
export function rngFor(seed: number, stream: number, index: number): Rng {
  let h = (seed ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return mulberry32(h ^ (h >>> 16));
}

export const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export function randomChars(rng: Rng, n: number, alphabet = BASE62): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rng() * alphabet.length)];
  return s;
}
export function toBase62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}
export function fromBase62(s: string): number {
  let n = 0;
  for (const c of s) {
    const d = BASE62.indexOf(c);
    if (d < 0) return -1;
    n = n * 62 + d;
  }
  return n;
}

export const DAY_MS = 86_400_000;
export const unix = (ms: number) => Math.floor(ms / 1000);
/** Python `datetime.isoformat()` style, as the API sends it. */
export const pyIso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');

export function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  const target = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}

// ---------------------------------------------------------------- plans

export interface SandboxPlan {
  id: string;
  name: string;
  description: string;
  price: number;
  interval: 'month';
  features: {
    api_calls: string;
    geofences: string;
    webhooks: string;
    test_points: string;
    support: string;
    custom_domains: string | null;
    sla: string | null;
    feature_list: string[];
  };
  limits: {
    api_calls: number;
    geofences: number;
    webhooks_delivered: number;
    test_points: number;
    rate_limit_per_hour: number;
    devices: number;
    log_retention_days: number;
    location_retention_days: number;
  };
  stripe_price_id: string | null;
  tier: string;
  display_name: string;
  price_monthly: number;
  price_yearly: number;
  stripe_price_monthly_id: string | null;
  stripe_price_yearly_id: string | null;
  event_overage_rate: number;
  geofence_overage_rate: number;
  is_featured: boolean;
}

export const PLANS: readonly SandboxPlan[] = [
  {
    id: 'plan_free',
    name: 'Free',
    description: 'For prototypes and side projects',
    price: 0,
    interval: 'month',
    features: {
      api_calls: '10,000/month',
      geofences: '10',
      webhooks: '1,000/month',
      test_points: '1,000/month',
      support: 'Community',
      custom_domains: null,
      sla: null,
      feature_list: ['Geofence triggers', 'Webhook delivery', 'Community forum'],
    },
    limits: {
      api_calls: 10_000,
      geofences: 10,
      webhooks_delivered: 1_000,
      test_points: 1_000,
      rate_limit_per_hour: 500,
      devices: 5,
      log_retention_days: 7,
      location_retention_days: 30,
    },
    stripe_price_id: null,
    tier: 'free',
    display_name: 'Free',
    price_monthly: 0,
    price_yearly: 0,
    stripe_price_monthly_id: null,
    stripe_price_yearly_id: null,
    event_overage_rate: 0,
    geofence_overage_rate: 0,
    is_featured: false,
  },
  {
    id: 'plan_pro',
    name: 'Pro',
    description: 'For growing teams with advanced automation needs',
    price: 49,
    interval: 'month',
    features: {
      api_calls: '100,000/month',
      geofences: '500',
      webhooks: '50,000/month',
      test_points: '50,000/month',
      support: 'Priority email',
      custom_domains: null,
      sla: null,
      feature_list: ['Advanced workflows', 'Webhook templates', 'Team workspaces'],
    },
    limits: {
      api_calls: 100_000,
      geofences: 500,
      webhooks_delivered: 50_000,
      test_points: 50_000,
      rate_limit_per_hour: 5_000,
      devices: 25,
      log_retention_days: 30,
      location_retention_days: 90,
    },
    stripe_price_id: 'price_1PqPro49Monthly',
    tier: 'pro',
    display_name: 'Pro',
    price_monthly: 49,
    price_yearly: 470,
    stripe_price_monthly_id: 'price_1PqPro49Monthly',
    stripe_price_yearly_id: 'price_1PqPro470Yearly',
    event_overage_rate: 1.5,
    geofence_overage_rate: 5,
    is_featured: true,
  },
  {
    id: 'plan_business',
    name: 'Business',
    description: 'For fleets and platforms running location workloads at scale',
    price: 199,
    interval: 'month',
    features: {
      api_calls: '1,000,000/month',
      geofences: '5,000',
      webhooks: '500,000/month',
      test_points: '500,000/month',
      support: 'Priority email and chat',
      custom_domains: 'Up to 3',
      sla: '99.9% uptime',
      feature_list: ['Everything in Pro', 'SSO (SAML)', 'Audit log', 'Custom domains'],
    },
    limits: {
      api_calls: 1_000_000,
      geofences: 5_000,
      webhooks_delivered: 500_000,
      test_points: 500_000,
      rate_limit_per_hour: 20_000,
      devices: -1,
      log_retention_days: 90,
      location_retention_days: 365,
    },
    stripe_price_id: 'price_1PqBiz199Monthly',
    tier: 'business',
    display_name: 'Business',
    price_monthly: 199,
    price_yearly: 1_910,
    stripe_price_monthly_id: 'price_1PqBiz199Monthly',
    stripe_price_yearly_id: 'price_1PqBiz1910Yearly',
    event_overage_rate: 1,
    geofence_overage_rate: 3,
    is_featured: false,
  },
];

export const planById = (id: string) => PLANS.find((p) => p.id === id);
export const planCents = (p: SandboxPlan) => Math.round(p.price * 100);

// ---------------------------------------------------------------- user, cards

export interface SandboxUser {
  id: string;
  email: string;
  password: string;
  name: string;
  company: string;
  createdMs: number;
}

export function makeUser(seed: number, createdMs: number): SandboxUser {
  const rng = rngFor(seed, 1, 0);
  const hex = () => randomChars(rng, 4, '0123456789abcdef');
  return {
    id: `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-a${hex().slice(1)}-${hex()}${hex()}${hex()}`,
    email: 'dana.whitfield@northwind-geo.example',
    password: 'sandbox-Passw0rd!',
    name: 'Dana Whitfield',
    company: 'Northwind Geo Ltd',
    createdMs,
  };
}

export interface SandboxCard {
  id: string;
  type: 'card';
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  created_at: number;
}

/** Stripe's documented test PaymentMethod ids, so `pm_card_visa` etc. work like in Stripe test mode. */
const STRIPE_TEST_CARDS: Record<string, { brand: string; last4: string }> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_visa_debit: { brand: 'visa', last4: '5556' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_amex: { brand: 'amex', last4: '8431' },
  pm_card_discover: { brand: 'discover', last4: '1117' },
};

const BRANDS = ['visa', 'mastercard', 'amex', 'visa', 'mastercard'] as const;

export function makeCards(seed: number, nowMs: number): SandboxCard[] {
  const rng = rngFor(seed, 2, 0);
  const count = int(rng, 2, 3);
  const year = new Date(nowMs).getUTCFullYear();
  const cards: SandboxCard[] = [];
  for (let i = 0; i < count; i++) {
    cards.push({
      id: `pm_1${randomChars(rng, 23)}`,
      type: 'card',
      brand: i === 0 ? 'visa' : pick(rng, BRANDS),
      last4: String(int(rng, 0, 9999)).padStart(4, '0'),
      exp_month: int(rng, 1, 12),
      exp_year: year + int(rng, 1, 4),
      created_at: unix(nowMs - int(rng, 40, 1400) * DAY_MS),
    });
  }
  return cards.sort((a, b) => a.created_at - b.created_at);
}

/** Card details for a `pm_…` id sent to add-payment-method (as if Stripe.js had just created it). */
export function cardForNewId(seed: number, pmId: string, nowMs: number): SandboxCard {
  let h = 0;
  for (const c of pmId) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  const rng = rngFor(seed, 3, h);
  const known = STRIPE_TEST_CARDS[pmId];
  return {
    id: pmId,
    type: 'card',
    brand: known?.brand ?? pick(rng, BRANDS),
    last4: known?.last4 ?? String(int(rng, 0, 9999)).padStart(4, '0'),
    exp_month: int(rng, 1, 12),
    exp_year: new Date(nowMs).getUTCFullYear() + int(rng, 1, 5),
    created_at: unix(nowMs),
  };
}

// ---------------------------------------------------------------- invoices

export interface SandboxLineItem {
  description: string;
  quantity: number;
  unit_amount: number;
  amount: number;
}

export interface SandboxInvoice {
  id: string;
  number: string;
  status: string;
  amount_due: number;
  amount_paid: number;
  currency: string;
  period_start: number;
  period_end: number;
  created_at: number;
  line_items: SandboxLineItem[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export function shortDate(sec: number): string {
  const d = new Date(sec * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

export interface InvoiceSeries {
  count: number;
  /** Invoice at position `index` (0 = newest), or undefined when out of range. */
  at(index: number): SandboxInvoice | undefined;
  /** Position of an invoice id in the series, or -1. */
  indexOf(id: string): number;
  /** Invoice number prefix, shared with invoices created later (plan upgrades). */
  numberPrefix: string;
}

/**
 * The subscription's invoice history, generated on demand. Monthly invoices on
 * the period anchor for up to 120 invoices; larger benchmark series are spread
 * evenly over ten years (usage billing).
 */
export function invoiceSeries(seed: number, count: number, currentPeriodStartMs: number): InvoiceSeries {
  const prefixRng = rngFor(seed, 4, 0);
  const numberPrefix = randomChars(prefixRng, 8, '0123456789ABCDEF');
  // The user moved from Business to Pro some time ago; older invoices are on Business.
  const downgradeAt = Math.min(count, 24 + int(prefixRng, 0, 6));
  const voidAt = Math.min(count - 1, 6 + int(prefixRng, 0, 8));
  const monthly = count <= 120;
  const stepMs = monthly ? 0 : Math.max(3_600_000, Math.floor((3650 * DAY_MS) / count));
  const cache = new Map<number, SandboxInvoice>();

  const periodOf = (index: number): [number, number] =>
    monthly
      ? [addMonthsUtc(currentPeriodStartMs, -index), addMonthsUtc(currentPeriodStartMs, -index + 1)]
      : [currentPeriodStartMs - index * stepMs, currentPeriodStartMs - (index - 1) * stepMs];

  const idFor = (index: number) => `in_1${randomChars(rngFor(seed, 5, index), 19)}${toBase62(index, 4)}`;

  const generate = (index: number): SandboxInvoice => {
    const rng = rngFor(seed, 6, index);
    const [startMs, endMs] = periodOf(index);
    const plan = (index >= downgradeAt ? planById('plan_business') : planById('plan_pro')) as SandboxPlan;
    const start = unix(startMs);
    const end = unix(endMs);
    const lines: SandboxLineItem[] = [
      {
        description: `${plan.name} plan (${shortDate(start)} - ${shortDate(end)})`,
        quantity: 1,
        unit_amount: planCents(plan),
        amount: planCents(plan),
      },
    ];
    if (rng() < 0.35) {
      const qty = int(rng, 1, 6);
      const unit = Math.round(plan.event_overage_rate * 100);
      lines.push({ description: 'Event overage (per 100k events)', quantity: qty, unit_amount: unit, amount: qty * unit });
    }
    if (rng() < 0.15) {
      const qty = int(rng, 1, 3);
      const unit = Math.round(plan.geofence_overage_rate * 100);
      lines.push({ description: 'Geofence overage (per 100 geofences)', quantity: qty, unit_amount: unit, amount: qty * unit });
    }
    const total = lines.reduce((s, l) => s + l.amount, 0);
    const status = index === 0 ? 'open' : index === voidAt ? 'void' : 'paid';
    return {
      id: idFor(index),
      number: `${numberPrefix}-${String(count - index).padStart(4, '0')}`,
      status,
      amount_due: total,
      amount_paid: status === 'paid' ? total : 0,
      currency: 'usd',
      period_start: start,
      period_end: end,
      created_at: start + int(rng, 600, 7200),
      line_items: lines,
    };
  };

  return {
    count,
    numberPrefix,
    at(index) {
      if (!Number.isInteger(index) || index < 0 || index >= count) return undefined;
      let inv = cache.get(index);
      if (inv === undefined) {
        inv = generate(index);
        cache.set(index, inv);
      }
      return inv;
    },
    indexOf(id) {
      if (!/^in_1[0-9A-Za-z]{23}$/.test(id)) return -1;
      const index = fromBase62(id.slice(-4));
      return index >= 0 && index < count && idFor(index) === id ? index : -1;
    },
  };
}

/** Oldest invoice period start: when the subscription was created. */
export function seriesStartMs(count: number, currentPeriodStartMs: number): number {
  if (count <= 0) return currentPeriodStartMs;
  if (count <= 120) return addMonthsUtc(currentPeriodStartMs, -(count - 1));
  const stepMs = Math.max(3_600_000, Math.floor((3650 * DAY_MS) / count));
  return currentPeriodStartMs - (count - 1) * stepMs;
}
