import { createHash } from 'node:crypto';
import type { SoracomDailyBills, SoracomMonthlyBill } from '../../contract/models/soracom';

/**
 * The provider document a saved file was made from, named the same whichever way it was saved
 * (a button in the window or "Download everything"), so either finds the other's file.
 */
export const sourceKeys = {
  spatialflowInvoice: (invoiceId: string) => `spatialflow:invoice:${invoiceId}`,
  soracomBillCsv: (yyyyMM: string) => `soracom:bill-csv:${yyyyMM}`,
  soracomStatement: (yyyyMM: string) => `soracom:statement:${yyyyMM}`,
  /** One month of a billing account's usage, as "Download everything" saves it. */
  agilicusUsageStatement: (billingAccountId: string, month: string) => `agilicus:usage-statement:${billingAccountId}:${month}`,
  /** All the usage of a billing account in one statement, as the window saves it. */
  agilicusUsageStatementAll: (billingAccountId: string) => `agilicus:usage-statement:${billingAccountId}:all`,
};

/** The billing account an Agilicus usage statement's source key names; undefined for any other key. */
export function agilicusStatementAccount(key: string | undefined): string | undefined {
  return /^agilicus:usage-statement:(.+):[^:]+$/.exec(key ?? '')?.[1];
}

export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** JSON with sorted keys: the same provider data always hashes the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a Soracom statement shows, as hashed for its source: a statement is made by Billfold, and
 * its PDF carries the time it was made, so two PDFs of the same month and data differ in bytes.
 */
export function soracomStatementData(bill: SoracomMonthlyBill, daily: SoracomDailyBills): string {
  return canonical({ bill, daily });
}
