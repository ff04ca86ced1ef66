import { z } from 'zod';
import type { LibraryList, LibraryRebuild } from '../models/files';

const fileId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Only letters, digits, _ and -');

export const libraryArgs = {
  /** Every saved file across accounts, newest first; `query` matches name, account, period and kind. */
  'library.list': z.strictObject({
    query: z.string().max(200).optional(),
    accountId: z.string().min(1).max(64).optional(),
    kind: z.enum(['invoice-pdf', 'bill-csv', 'table-csv', 'statement-pdf']).optional(),
  }),
  /**
   * Opens a saved file with the OS's default application. A CSV marked `formulas` opens only with
   * `formulasConfirmed: true`: the renderer warns first that a spreadsheet may run them.
   */
  'library.open': z.strictObject({ id: fileId, formulasConfirmed: z.literal(true).optional() }),
  /** Shows a saved file in the OS file manager. */
  'library.showInFolder': z.strictObject({ id: fileId }),
  /**
   * Where the host cannot open files (the browser, see `AppCapabilities.openFiles`): a one-time
   * address on the host that answers the saved file's bytes as a download. Same formulas rule as open.
   */
  'library.download': z.strictObject({ id: fileId, formulasConfirmed: z.literal(true).optional() }),
  /** Deletes a saved file from disk and from the library (the renderer asks first). */
  'library.delete': z.strictObject({ id: fileId }),
  /** Rebuilds the library index from the download folders. */
  'library.rebuild': z.strictObject({}),
};

export interface LibraryResults {
  'library.list': LibraryList;
  'library.open': { opened: true };
  'library.showInFolder': { shown: true };
  'library.download': { url: string };
  'library.delete': { deleted: true };
  'library.rebuild': LibraryRebuild;
}
