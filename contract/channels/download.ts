import { z } from 'zod';
import type { DownloadSummary, UnfinishedDownload } from '../models/download';

const month = z.string().regex(/^20\d{2}-(0[1-9]|1[0-2])$/, 'A month as YYYY-MM, e.g. 2026-03.');
const taskId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Only letters, digits and _ . : -');

export const downloadArgs = {
  /**
   * Downloads every document of the period: SpatialFlow invoice PDFs, each Soracom month's
   * detailed CSV and PDF statement, Agilicus usage statements; for one account or all. Documents
   * already in the library are skipped. Resumes an unfinished run of the same request. Reports
   * `task.progress` under `taskId`; `files.cancel {taskId}` stops it (it can be resumed later).
   */
  'download.everything': z
    .strictObject({ from: month, to: month, accountId: z.string().min(1).max(64).optional(), taskId: taskId.optional() })
    .refine((r) => r.from <= r.to, { message: 'The period ends before it starts.', path: ['to'] }),
  /** The run that did not finish, if any, to offer resuming it. */
  'download.unfinished': z.strictObject({}),
};

export interface DownloadResults {
  'download.everything': DownloadSummary;
  'download.unfinished': UnfinishedDownload | null;
}
