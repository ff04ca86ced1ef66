import type { ErrorInfo } from '../../../../contract/errors';
import type { AgilicusBillingAccount } from '../../../../contract/models/agilicus';
import { formatCount, locale } from '../../lib/format';

/** Formatting and wording shared by the Agilicus views. */

const utcDay = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', timeZone: 'UTC' });

/** A `yyyy-MM-dd` usage day, as Agilicus counts it (UTC). */
export function formatUtcDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? date : utcDay.format(d);
}

/** What a billing account is called: its customer's name, else the customer id, else its own id. */
export function billingAccountName(ba: Pick<AgilicusBillingAccount, 'id' | 'customerId' | 'customer'>): string {
  return ba.customer?.name ?? ba.customerId ?? ba.id;
}

/** Readable words for the upstream subscription statuses; a status not listed is shown as sent. */
const subscriptionStatusWords: Record<string, string> = {
  active: 'Active',
  trialing: 'Trial',
  past_due: 'Past due',
  unpaid: 'Unpaid',
  canceled: 'Cancelled',
  incomplete: 'Incomplete',
  incomplete_expired: 'Expired before it started',
  paused: 'Paused',
};

export function subscriptionStatusText(status: string | null | undefined): string {
  if (status === null || status === undefined || status === '') return 'Status not stated';
  return Object.hasOwn(subscriptionStatusWords, status) ? (subscriptionStatusWords[status] as string) : status;
}

export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Same rules as the contract: ids cannot escape a path segment. */
export const agilicusIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const customerIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

export const accountGoneMessage = 'This billing account no longer exists; the list was refreshed.';

/** The organisations cell of a billing account: those that could not be read are counted, not hidden. */
export function orgsText(ba: Pick<AgilicusBillingAccount, 'orgs' | 'unreadableOrgs'>): string {
  const names = ba.orgs.map((o) => o.name).join(', ');
  const skipped = ba.unreadableOrgs?.length ?? 0;
  if (skipped === 0) return names === '' ? 'None' : names;
  const note = `${plural(skipped, 'organisation', 'organisations')} could not be read`;
  return names === '' ? note : `${names}; ${note}`;
}

/** Keeps the code and the provider's own words, with our explanation as the message. */
export function explained(error: ErrorInfo, message: string): ErrorInfo {
  return { ...error, message };
}

/** Create or replace failed: say what a 409 means for the customer id the user typed. */
export function explainSaveError(error: ErrorInfo, customerId: string): ErrorInfo {
  if (error.code === 'conflict') {
    return explained(error, `A billing account for customer “${customerId}” already exists. Each customer can have only one billing account: use another customer id, or open the existing account.`);
  }
  if (error.code === 'validation') return explained(error, 'Agilicus did not accept these details.');
  return error;
}

export function validateCustomerId(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return 'Enter the customer id, e.g. cus_Nf3k2…';
  if (!customerIdPattern.test(v)) return 'Use only letters, digits and _ . : - (at most 128 characters).';
  return undefined;
}

export function validateOrgId(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return 'Enter the organisation id.';
  if (!agilicusIdPattern.test(v)) return 'An organisation id has only letters, digits, _ and - (at most 64 characters).';
  return undefined;
}
