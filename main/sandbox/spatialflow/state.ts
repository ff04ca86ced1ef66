import {
  DAY_MS,
  PLANS,
  cardForNewId,
  invoiceSeries,
  makeCards,
  makeUser,
  planById,
  planCents,
  pyIso,
  randomChars,
  rngFor,
  seriesStartMs,
  shortDate,
  unix,
  int,
  type InvoiceSeries,
  type Rng,
  type SandboxCard,
  type SandboxInvoice,
  type SandboxPlan,
  type SandboxUser,
} from './data';

/** A failed operation: HTTP status plus the API's `ErrorResponse` body. */
export class ApiFailure {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errorCode?: string,
  ) {}
}

export interface Subscription {
  planId: string;
  status: 'active' | 'canceled' | 'past_due';
  periodStartMs: number;
  periodEndMs: number;
  cancelAtPeriodEnd: boolean;
  createdMs: number;
  updatedMs: number;
}

export interface Proration {
  current: SandboxPlan;
  next: SandboxPlan;
  proratedAmount: number;
  immediateCharge: number;
  nextInvoiceChange: number;
  effectiveMs: number;
}

/** The one demo customer's billing state and the rules that change it. */
export class BillingState {
  readonly user: SandboxUser;
  readonly series: InvoiceSeries;
  cards: SandboxCard[];
  defaultCardId: string | undefined;
  subscription: Subscription;
  /** Invoices created after start-up (plan upgrades), newest first, before the generated history. */
  private readonly newInvoices: SandboxInvoice[] = [];
  private readonly rng: Rng;

  constructor(
    private readonly seed: number,
    invoiceCount: number,
    private readonly now: () => number,
  ) {
    this.rng = rngFor(seed, 10, 0);
    const nowMs = now();
    const anchor = rngFor(seed, 11, 0);
    const anchorDay = int(anchor, 1, 28);
    const anchorHour = int(anchor, 0, 23);
    const minute = int(anchor, 0, 59);
    const d = new Date(nowMs);
    let month = d.getUTCMonth();
    if (Date.UTC(d.getUTCFullYear(), month, anchorDay, anchorHour, minute) > nowMs) month -= 1;
    const start = Date.UTC(d.getUTCFullYear(), month, anchorDay, anchorHour, minute);
    const end = Date.UTC(d.getUTCFullYear(), month + 1, anchorDay, anchorHour, minute);
    const createdMs = seriesStartMs(invoiceCount, start) - 3 * 60_000;

    this.user = makeUser(seed, createdMs - 2 * DAY_MS);
    this.series = invoiceSeries(seed, invoiceCount, start);
    this.cards = makeCards(seed, nowMs);
    this.defaultCardId = this.cards[0]?.id;
    this.subscription = {
      planId: 'plan_pro',
      status: 'active',
      periodStartMs: start,
      periodEndMs: end,
      cancelAtPeriodEnd: false,
      createdMs,
      updatedMs: start,
    };
  }

  get plan(): SandboxPlan {
    return planById(this.subscription.planId) ?? (PLANS[0] as SandboxPlan);
  }

  // ------------------------------------------------------------ invoices

  get invoiceCount(): number {
    return this.newInvoices.length + this.series.count;
  }

  invoiceAt(position: number): SandboxInvoice | undefined {
    if (position < this.newInvoices.length) return this.newInvoices[position];
    return this.series.at(position - this.newInvoices.length);
  }

  invoicePosition(id: string): number {
    const i = this.newInvoices.findIndex((inv) => inv.id === id);
    if (i >= 0) return i;
    const j = this.series.indexOf(id);
    return j < 0 ? -1 : this.newInvoices.length + j;
  }

  findInvoice(id: string): SandboxInvoice {
    const pos = this.invoicePosition(id);
    const inv = pos < 0 ? undefined : this.invoiceAt(pos);
    if (inv === undefined) throw new ApiFailure(404, 'Invoice not found', 'NOT_FOUND');
    return inv;
  }

  // ------------------------------------------------------------ payment methods

  private ownedCard(id: string): SandboxCard {
    const card = this.cards.find((c) => c.id === id);
    // 404 for every card the caller does not own, so ids cannot be probed.
    if (card === undefined) throw new ApiFailure(404, 'Payment method not found', 'NOT_FOUND');
    return card;
  }

  addCard(pmId: string): SandboxCard {
    if (!/^pm_[A-Za-z0-9_]{3,120}$/.test(pmId)) {
      throw new ApiFailure(400, `No such PaymentMethod: '${pmId.slice(0, 64)}'`, 'resource_missing');
    }
    if (this.cards.some((c) => c.id === pmId)) {
      throw new ApiFailure(400, 'This payment method is already attached to your account.', 'ALREADY_ATTACHED');
    }
    const card = cardForNewId(this.seed, pmId, this.now());
    this.cards.push(card);
    this.defaultCardId ??= card.id;
    return card;
  }

  setDefaultCard(pmId: string): SandboxCard {
    const card = this.ownedCard(pmId);
    this.defaultCardId = card.id;
    return card;
  }

  removeCard(pmId: string): void {
    const card = this.ownedCard(pmId);
    const paid = planCents(this.plan) > 0 && this.subscription.status !== 'canceled';
    if (this.cards.length === 1 && paid) {
      throw new ApiFailure(
        400,
        'Cannot remove your only payment method while you have an active paid subscription. Add another payment method first.',
        'LAST_PAYMENT_METHOD',
      );
    }
    if (card.id === this.defaultCardId && this.cards.length > 1) {
      throw new ApiFailure(
        400,
        'Cannot remove the default payment method. Set another payment method as default first.',
        'DEFAULT_PAYMENT_METHOD',
      );
    }
    this.cards = this.cards.filter((c) => c.id !== card.id);
    if (this.defaultCardId === card.id) this.defaultCardId = undefined;
  }

  setupIntentSecret(): string {
    return `seti_1${randomChars(this.rng, 23)}_secret_${randomChars(this.rng, 32)}`;
  }

  // ------------------------------------------------------------ subscription

  private targetPlan(planId: string): SandboxPlan {
    const next = planById(planId);
    if (next === undefined) throw new ApiFailure(404, 'Plan not found', 'NOT_FOUND');
    if (next.id === this.subscription.planId) {
      throw new ApiFailure(400, `You are already subscribed to the ${next.name} plan.`, 'SAME_PLAN');
    }
    if (this.subscription.cancelAtPeriodEnd) {
      throw new ApiFailure(
        400,
        'Your subscription is set to cancel at the end of the period. Reactivate it before changing plans.',
        'SUBSCRIPTION_CANCELING',
      );
    }
    return next;
  }

  /** Stripe-style proration: credit for unused time on the old price, charge for the rest of the period on the new one. */
  preview(planId: string): Proration {
    const next = this.targetPlan(planId);
    const current = this.plan;
    const nowMs = this.now();
    const { periodStartMs, periodEndMs } = this.subscription;
    const fraction = Math.min(1, Math.max(0, (periodEndMs - nowMs) / (periodEndMs - periodStartMs)));
    const unusedCredit = Math.round(planCents(current) * fraction);
    const remainingCharge = Math.round(planCents(next) * fraction);
    const proratedAmount = remainingCharge - unusedCredit;
    const upgrade = proratedAmount > 0;
    return {
      current,
      next,
      proratedAmount,
      // Upgrades are invoiced at once; a downgrade's credit lowers the next invoice.
      immediateCharge: upgrade ? proratedAmount : 0,
      nextInvoiceChange: planCents(next) - planCents(current) + (upgrade ? 0 : proratedAmount),
      effectiveMs: nowMs,
    };
  }

  changePlan(planId: string): Proration {
    const p = this.preview(planId);
    if (p.immediateCharge > 0 && this.defaultCardId === undefined) {
      throw new ApiFailure(400, 'Add a payment method before upgrading your plan.', 'NO_PAYMENT_METHOD');
    }
    if (p.immediateCharge > 0) this.newInvoices.unshift(this.prorationInvoice(p));
    this.subscription = { ...this.subscription, planId: p.next.id, updatedMs: p.effectiveMs };
    return p;
  }

  private prorationInvoice(p: Proration): SandboxInvoice {
    const at = unix(p.effectiveMs);
    const fraction = (this.subscription.periodEndMs - p.effectiveMs) / (this.subscription.periodEndMs - this.subscription.periodStartMs);
    const credit = -Math.round(planCents(p.current) * fraction);
    const charge = Math.round(planCents(p.next) * fraction);
    const seq = this.invoiceCount + 1;
    return {
      id: `in_1${randomChars(this.rng, 23)}`,
      number: `${this.series.numberPrefix}-${String(seq).padStart(4, '0')}`,
      status: 'paid',
      amount_due: p.immediateCharge,
      amount_paid: p.immediateCharge,
      currency: 'usd',
      period_start: at,
      period_end: unix(this.subscription.periodEndMs),
      created_at: at,
      line_items: [
        { description: `Unused time on ${p.current.name} after ${shortDate(at)}`, quantity: 1, unit_amount: credit, amount: credit },
        { description: `Remaining time on ${p.next.name} after ${shortDate(at)}`, quantity: 1, unit_amount: charge, amount: charge },
      ],
    };
  }

  cancel(): string {
    const s = this.subscription;
    if (planCents(this.plan) === 0) {
      throw new ApiFailure(400, 'You are on the Free plan; there is no paid subscription to cancel.', 'NO_PAID_SUBSCRIPTION');
    }
    if (s.cancelAtPeriodEnd) {
      throw new ApiFailure(400, 'Subscription is already set to cancel at the end of the billing period.', 'ALREADY_CANCELING');
    }
    this.subscription = { ...s, cancelAtPeriodEnd: true, updatedMs: this.now() };
    return `Subscription will be canceled at the end of the current billing period (${shortDate(unix(s.periodEndMs))}).`;
  }

  reactivate(): string {
    const s = this.subscription;
    if (!s.cancelAtPeriodEnd) {
      throw new ApiFailure(400, 'Subscription is not scheduled for cancellation.', 'NOT_CANCELING');
    }
    this.subscription = { ...s, cancelAtPeriodEnd: false, updatedMs: this.now() };
    return 'Subscription reactivated. It will renew automatically.';
  }

  // ------------------------------------------------------------ wire shapes

  subscriptionJson(): Record<string, unknown> {
    const s = this.subscription;
    return {
      user_id: this.user.id,
      plan: this.plan,
      status: s.status,
      current_period_start: pyIso(s.periodStartMs),
      current_period_end: pyIso(s.periodEndMs),
      cancel_at_period_end: s.cancelAtPeriodEnd,
      created_at: pyIso(s.createdMs),
      updated_at: pyIso(s.updatedMs),
    };
  }

  cardJson(c: SandboxCard): Record<string, unknown> {
    return { ...c, is_default: c.id === this.defaultCardId };
  }

  userJson(): Record<string, unknown> {
    const u = this.user;
    return {
      id: u.id,
      email: u.email,
      name: u.name,
      role: 'owner',
      email_verified: true,
      selected_plan: this.plan.tier,
      company: u.company,
      language_preference: 'en',
      created_at: pyIso(u.createdMs),
      updated_at: pyIso(this.subscription.updatedMs),
      is_superuser: false,
      is_staff: false,
      roles: ['owner'],
      is_beta_user: false,
      admin_approved: true,
      admin_approved_at: pyIso(u.createdMs + 3_600_000),
      workspace_id: null,
      workspace_slug: null,
      workspace_role: null,
    };
  }
}
