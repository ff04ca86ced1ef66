import { z } from 'zod';
import { dropIdSchema } from '../drops';
import type { ReviewMalformedPage, ReviewOpened, ReviewReconciliation, ReviewRowsPage, ReviewSummary } from '../models/review';

const sessionId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Not a review session id');

export const reviewArgs = {
  /** Asks for a CSV file with the OS dialog and opens it; null when the user cancels. */
  'review.choose': z.strictObject({}),
  /** Opens a file the user dropped on the window, by the id `window.billing.openDropped` gave for it. */
  'review.openDropped': z.strictObject({ dropId: dropIdSchema }),
  /** Opens a bill CSV of the library, by its library id. */
  'review.openLibrary': z.strictObject({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'Only letters, digits, _ and -') }),
  /** Waits for the whole file to be summarized. `top`: how many values per device/tag/group column. */
  'review.summary': z.strictObject({ sessionId, top: z.number().int().min(1).max(200).optional() }),
  /** A window of the row table, optionally filtered. */
  'review.rows': z.strictObject({
    sessionId,
    offset: z.number().int().min(0).max(2 ** 32),
    limit: z.number().int().min(1).max(500),
    filter: z
      .strictObject({
        text: z.string().min(1).max(200),
        column: z.string().min(1).max(200).optional(),
        exact: z.boolean().optional(),
      })
      .optional(),
  }),
  /** The malformed records, with line number, reason and text. */
  'review.malformed': z.strictObject({ sessionId, offset: z.number().int().min(0).max(100_000), limit: z.number().int().min(1).max(500) }),
  /** The file's total against the month's Soracom bill of each Soracom account (live, else offline). */
  'review.reconcile': z.strictObject({ sessionId }),
  'review.close': z.strictObject({ sessionId }),
  /**
   * A view a review opens from is on screen: the review threads start now (when they are not
   * running yet) and compile their code, so the review that follows does not wait for them.
   */
  'review.prepare': z.strictObject({}),
};

export interface ReviewResults {
  'review.choose': ReviewOpened | null;
  'review.openDropped': ReviewOpened;
  'review.openLibrary': ReviewOpened;
  'review.summary': ReviewSummary;
  'review.rows': ReviewRowsPage;
  'review.malformed': ReviewMalformedPage;
  'review.reconcile': ReviewReconciliation;
  'review.close': { closed: boolean };
  /** Whether review threads are running (false where there are none: the file is read on the main thread). */
  'review.prepare': { threads: boolean };
}
