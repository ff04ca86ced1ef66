/*
 * Seeded state of the Agilicus sandbox: a directory of organisations, three
 * billing accounts and their usage records. Everything comes from a seeded
 * PRNG and dates are relative to `now`, so a given seed always yields the same
 * data.
 */

import { createPrng, type Prng } from '../prng';

export type OrgState = 'active' | 'suspended' | 'disabled' | 'deleted';

export interface DirectoryOrg {
  id: string;
  name: string;
  shortName: string;
  domain: string;
  parentId?: string;
  rootOrgId: string;
  adminState: OrgState;
  issuerId: string;
  groupIds: { all: string; allSuborgs: string; directSuborgs: string; autoCreated: string };
  contactId: string;
  /** Drives the server-computed quantity of a new usage record. */
  activeUsers: number;
  billingAccountId?: string;
}

export interface UsageRecord {
  quantity: number;
  /** Epoch seconds. */
  timestamp: number;
}

export interface StoredAccount {
  id: string;
  created: string;
  updated: string;
  customerId: string;
  devMode: boolean;
  customer?: { name: string; email: string };
  products: { name: string }[];
  subscriptions: Record<string, unknown>[];
  /** Generated on first read; newest first. */
  usage?: UsageRecord[];
  usagePlan?: UsagePlan;
}

interface UsagePlan {
  baseUsers: number;
  growthPerYear: number;
  /** Epoch seconds of the last recorded day, for a cancelled subscription. */
  endsAt?: number;
  seed: number;
}

export interface AgilicusState {
  orgs: Map<string, DirectoryOrg>;
  accounts: Map<string, StoredAccount>;
  usageRecordCount: number;
  /** The `now` the data was generated around. */
  seededAt: Date;
  /** Sandbox time: `now` at start, moving with the wall clock afterwards. */
  clock(): Date;
  prng: Prng;
}

const DAY_MS = 86_400_000;

interface OrgSeed {
  name: string;
  shortName: string;
  domain: string;
  users: number;
  adminState?: OrgState;
  /** Index into the seed list of the parent org. */
  parent?: number;
}

const orgSeeds: OrgSeed[] = [
  { name: 'Northwind Logistics', shortName: 'northwind', domain: 'northwind-logistics.ca', users: 46 },
  { name: 'Northwind Warehouse Ops', shortName: 'northwind-warehouse', domain: 'northwind-logistics.ca', users: 17, parent: 0 },
  { name: 'Brightline Engineering', shortName: 'brightline', domain: 'brightline-eng.com', users: 12 },
  { name: 'Cedar Valley School District', shortName: 'cedarvalley-sd', domain: 'cedarvalley.k12.example.org', users: 131, adminState: 'suspended' },
  { name: 'Harbourview Dental Group', shortName: 'harbourview-dental', domain: 'harbourviewdental.ca', users: 9 },
  { name: 'Lakeshore Water Authority', shortName: 'lakeshore-water', domain: 'lakeshorewater.org', users: 58 },
  { name: 'Riverbend Municipal Services', shortName: 'riverbend-municipal', domain: 'riverbend.example.gov', users: 74 },
];

interface AccountSeed {
  customer: { name: string; email: string };
  devMode: boolean;
  orgs: number[];
  products: string[];
  createdDaysAgo: number;
  subscription: {
    status: string;
    nickname: string;
    amount: number;
    currency: string;
    /** Days until the period ends (negative: ended). */
    periodEndsInDays: number;
    cancelAtPeriodEnd?: boolean;
  };
  usage: { baseUsers: number; growthPerYear: number; endedDaysAgo?: number };
}

const accountSeeds: AccountSeed[] = [
  {
    customer: { name: 'Northwind Logistics Inc.', email: 'accounts.payable@northwind-logistics.ca' },
    devMode: false,
    orgs: [0, 1],
    products: ['Agilicus AnyX Zero Trust - Business', 'Agilicus Priority Support'],
    createdDaysAgo: 640,
    subscription: { status: 'active', nickname: 'AnyX Business (per user, monthly)', amount: 600, currency: 'cad', periodEndsInDays: 17 },
    usage: { baseUsers: 48, growthPerYear: 15 },
  },
  {
    customer: { name: 'Brightline Engineering Ltd.', email: 'it-billing@brightline-eng.com' },
    devMode: true,
    orgs: [2],
    products: ['Agilicus AnyX Zero Trust - Starter'],
    createdDaysAgo: 420,
    subscription: { status: 'trialing', nickname: 'AnyX Starter (trial)', amount: 0, currency: 'usd', periodEndsInDays: 9 },
    usage: { baseUsers: 9, growthPerYear: 4 },
  },
  {
    customer: { name: 'Cedar Valley School District No. 42', email: 'finance@cedarvalley.k12.example.org' },
    devMode: false,
    orgs: [3],
    products: ['Agilicus AnyX Zero Trust - Education'],
    createdDaysAgo: 900,
    subscription: {
      status: 'canceled',
      nickname: 'AnyX Education (per user, annual)',
      amount: 3000,
      currency: 'cad',
      periodEndsInDays: -31,
      cancelAtPeriodEnd: true,
    },
    usage: { baseUsers: 140, growthPerYear: -20, endedDaysAgo: 31 },
  },
];

function slugOf(shortName: string): string {
  return shortName.replace(/[^a-z0-9-]/g, '').slice(0, 20).replace(/-+$/, '');
}

export function orgSlug(org: DirectoryOrg): string {
  return slugOf(org.shortName);
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function createState(opts: { seed: number; now: Date; usageRecords?: number }): AgilicusState {
  const prng = createPrng(opts.seed);
  const nowMs = opts.now.getTime();
  const startedAt = Date.now();
  const orgs = new Map<string, DirectoryOrg>();
  const orgList: DirectoryOrg[] = [];

  for (const s of orgSeeds) {
    const id = prng.id(22);
    const parent = s.parent === undefined ? undefined : orgList[s.parent];
    const org: DirectoryOrg = {
      id,
      name: s.name,
      shortName: s.shortName,
      domain: s.domain,
      rootOrgId: parent?.rootOrgId ?? id,
      adminState: s.adminState ?? 'active',
      issuerId: parent?.issuerId ?? prng.id(22),
      groupIds: { all: prng.id(22), allSuborgs: prng.id(22), directSuborgs: prng.id(22), autoCreated: prng.id(22) },
      contactId: prng.id(22),
      activeUsers: s.users,
    };
    if (parent !== undefined) org.parentId = parent.id;
    orgs.set(id, org);
    orgList.push(org);
  }

  const accounts = new Map<string, StoredAccount>();
  for (const s of accountSeeds) {
    const id = prng.id(22);
    const created = new Date(nowMs - s.createdDaysAgo * DAY_MS - prng.int(0, 86_399) * 1000);
    const updated = new Date(nowMs - prng.int(2, 60) * DAY_MS - prng.int(0, 86_399) * 1000);
    const periodEnd = Math.floor((startOfUtcDay(nowMs) + s.subscription.periodEndsInDays * DAY_MS) / 1000);
    const periodLength = s.subscription.nickname.includes('annual') ? 365 : 30;
    const sub = s.subscription;
    const quantity = s.orgs.reduce((n, i) => n + (orgList[i]?.activeUsers ?? 0), 0);
    const productId = `prod_${prng.id(14)}`;
    const account: StoredAccount = {
      id,
      created: created.toISOString(),
      updated: updated.toISOString(),
      customerId: `cus_${prng.id(14)}`,
      devMode: s.devMode,
      customer: s.customer,
      products: s.products.map((name) => ({ name })),
      subscriptions: [
        {
          id: `sub_${prng.id(24)}`,
          object: 'subscription',
          status: sub.status,
          livemode: !s.devMode,
          plan: {
            id: `price_${prng.id(24)}`,
            object: 'plan',
            nickname: sub.nickname,
            amount: sub.amount,
            currency: sub.currency,
            interval: periodLength === 365 ? 'year' : 'month',
            usage_type: 'metered',
            product: productId,
          },
          quantity,
          created: Math.floor(created.getTime() / 1000),
          current_period_start: periodEnd - periodLength * 86_400,
          current_period_end: periodEnd,
          cancel_at_period_end: sub.cancelAtPeriodEnd ?? false,
          ...(sub.status === 'canceled' ? { canceled_at: periodEnd - 12 * 86_400, ended_at: periodEnd } : {}),
        },
      ],
      usagePlan: {
        baseUsers: s.usage.baseUsers,
        growthPerYear: s.usage.growthPerYear,
        seed: prng.int(1, 2 ** 31 - 1),
        ...(s.usage.endedDaysAgo === undefined
          ? {}
          : { endsAt: Math.floor((startOfUtcDay(nowMs) - s.usage.endedDaysAgo * DAY_MS) / 1000) }),
      },
    };
    accounts.set(id, account);
    for (const i of s.orgs) {
      const org = orgList[i];
      if (org !== undefined) org.billingAccountId = id;
    }
  }

  return {
    orgs,
    accounts,
    usageRecordCount: opts.usageRecords ?? 365,
    seededAt: new Date(nowMs),
    clock: () => new Date(nowMs + (Date.now() - startedAt)),
    prng,
  };
}

/** Daily records over `count` days up to yesterday (or the cancellation day), newest first. */
function generateUsage(plan: UsagePlan, count: number, nowMs: number): UsageRecord[] {
  const prng = createPrng(plan.seed);
  const lastDay = plan.endsAt !== undefined ? plan.endsAt * 1000 : startOfUtcDay(nowMs) - DAY_MS;
  const records: UsageRecord[] = [];
  for (let i = 0; i < count; i++) {
    const dayMs = lastDay - i * DAY_MS;
    const weekday = new Date(dayMs).getUTCDay();
    const trend = plan.baseUsers + (plan.growthPerYear * (count - i)) / 365;
    const weekendDip = weekday === 0 || weekday === 6 ? 0.35 : 1;
    const noise = 0.9 + prng.next() * 0.2;
    records.push({ quantity: Math.max(0, Math.round(trend * weekendDip * noise)), timestamp: dayMs / 1000 });
  }
  return records;
}

export function usageOf(state: AgilicusState, account: StoredAccount): UsageRecord[] {
  if (account.usage === undefined) {
    account.usage =
      account.usagePlan === undefined
        ? []
        : generateUsage(account.usagePlan, state.usageRecordCount, state.seededAt.getTime());
  }
  return account.usage;
}

export function hasActiveSubscription(account: StoredAccount): boolean {
  return account.subscriptions.some((s) => s['status'] === 'active' || s['status'] === 'trialing');
}

/** Users of the account's active orgs right now: what a new usage record measures. */
export function currentQuantity(state: AgilicusState, accountId: string): number {
  let n = 0;
  for (const org of state.orgs.values()) {
    if (org.billingAccountId === accountId && org.adminState === 'active') n += org.activeUsers;
  }
  return n;
}
