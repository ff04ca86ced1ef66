import { z } from 'zod';
import type { SavedFile } from '../models/files';
import { spatialflowInvoiceId } from './spatialflow';

const accountId = z.string().min(1).max(64);
const taskId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Only letters, digits and _ . : -');
const yyyyMM = z.string().regex(/^20\d{2}(0[1-9]|1[0-2])$/, 'A month as yyyyMM, e.g. 202405.');
/** Agilicus ids are short base62 strings. */
const agilicusId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Only letters, digits, _ and -');

/** Limits of a table saved as CSV: enough for any table Billfold shows, small enough for one call. */
export const tableCsvLimits = { columns: 64, rows: 50_000, cellChars: 2_000, titleChars: 120 } as const;
const cell = z.union([z.string().max(tableCsvLimits.cellChars), z.number(), z.boolean(), z.null()]);

export const filesArgs = {
  /** Downloads a SpatialFlow invoice's PDF from the provider's file host and saves it in the account's folder. */
  'files.saveInvoicePdf': z.strictObject({ accountId, invoiceId: spatialflowInvoiceId, taskId: taskId.optional() }),
  /** Saves the CSV that `soracom.exportBilling` / `soracom.exportLatestBilling` downloaded (it is held in the main process). */
  'files.saveSoracomExport': z.strictObject({
    accountId,
    exportedFileId: z.string().min(1).max(128),
    yyyyMM: yyyyMM.optional(),
  }),
  /** Saves a table the app shows as a CSV file (UTF-8 with BOM, so spreadsheets read it); in the account's folder, or `All accounts`. */
  'files.saveTableCsv': z.strictObject({
    accountId: accountId.optional(),
    title: z.string().trim().min(1).max(tableCsvLimits.titleChars),
    columns: z.array(z.string().max(200)).min(1).max(tableCsvLimits.columns),
    rows: z.array(z.array(cell).max(tableCsvLimits.columns)).max(tableCsvLimits.rows),
  }),
  /** Fetches a Soracom month (bill and daily charges) and saves it as a PDF statement. */
  'files.saveSoracomStatement': z.strictObject({ accountId, yyyyMM, taskId: taskId.optional() }),
  /** Fetches an Agilicus billing account and its usage records and saves them as a PDF statement. */
  'files.saveAgilicusUsageStatement': z.strictObject({ accountId, billingAccountId: agilicusId, taskId: taskId.optional() }),
  /**
   * Cancels a running save, download or export started with this `taskId`. A cancel that arrives
   * before its task has started is held for a few seconds and stops the task as it starts.
   */
  'files.cancel': z.strictObject({ taskId }),
};

export interface FilesResults {
  'files.saveInvoicePdf': SavedFile;
  'files.saveSoracomExport': SavedFile;
  'files.saveTableCsv': SavedFile;
  'files.saveSoracomStatement': SavedFile;
  'files.saveAgilicusUsageStatement': SavedFile;
  /** False when no such task was running (it had already finished, or has not started yet). */
  'files.cancel': { cancelled: boolean };
}
