import { z } from 'zod';
import type {
  SoracomBillingHistory,
  SoracomDailyBills,
  SoracomExportResult,
  SoracomLatestBill,
  SoracomMonthlyBill,
} from '../models/soracom';

const accountId = z.string().min(1).max(64);
/** A real calendar month from 2000 to 2099: yyyyMM. */
const yyyyMM = z.string().regex(/^20\d{2}(0[1-9]|1[0-2])$/, 'Expected a month as yyyyMM');
/** Chosen by the caller so it can match `task.progress` events to this call. */
const taskId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Only letters, digits and _ . : -');

export const soracomArgs = {
  'soracom.getBillingHistory': z.strictObject({ accountId }),
  'soracom.getBilling': z.strictObject({ accountId, yyyyMM }),
  'soracom.getBillingPerDay': z.strictObject({ accountId, yyyyMM }),
  'soracom.getLatestBilling': z.strictObject({ accountId }),
  'soracom.exportBilling': z.strictObject({ accountId, yyyyMM, taskId: taskId.optional() }),
  'soracom.exportLatestBilling': z.strictObject({ accountId, taskId: taskId.optional() }),
};

export interface SoracomResults {
  'soracom.getBillingHistory': SoracomBillingHistory;
  'soracom.getBilling': SoracomMonthlyBill;
  'soracom.getBillingPerDay': SoracomDailyBills;
  'soracom.getLatestBilling': SoracomLatestBill;
  'soracom.exportBilling': SoracomExportResult;
  'soracom.exportLatestBilling': SoracomExportResult;
}
