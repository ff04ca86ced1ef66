import { z } from 'zod';
import type { ArchivePackResult, FocusExportResult } from '../models/archive';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'A month, YYYY-MM');
const taskId = z.string().min(1).max(80).regex(/^[A-Za-z0-9_-]+$/);

export const archiveArgs = {
  /** Writes `Packs/<period>/` under the downloads folder from the Library and the synced data. */
  'archive.pack': z.strictObject({
    period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/, 'A month (2026-10) or a quarter (2026-Q3)'),
    zip: z.boolean().optional(),
    taskId: taskId.optional(),
  }),
  /** Writes a FOCUS 1.2 cost file (and the Agilicus usage file) under `Exports/` in the downloads folder. */
  'archive.exportFocus': z.strictObject({
    from: month,
    to: month,
    format: z.enum(['csv', 'parquet']),
    taskId: taskId.optional(),
  }),
  /** Shows a pack or an export the archive wrote, by the id it answered with. */
  'archive.reveal': z.strictObject({ id: z.string().regex(/^[a-f0-9]{24}$/) }),
  /** Hands a file the archive wrote (a pack's zip, an export) to a browser: a one-time address, as `library.download`. */
  'archive.download': z.strictObject({ id: z.string().regex(/^[a-f0-9]{24}$/) }),
};

export interface ArchiveResults {
  'archive.pack': ArchivePackResult;
  'archive.exportFocus': FocusExportResult;
  'archive.reveal': { shown: true };
  'archive.download': { url: string };
}
