import { z } from 'zod';
import { dropIdSchema, maxDroppedFiles } from '../drops';
import type { SavedFile } from '../models/files';
import type { ReviewChanges, ReviewFetchedMonths, ReviewSetDevicePage, ReviewSetMalformedPage, ReviewSetOpened, ReviewSetSummary } from '../models/review-set';

const setId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Not a review set id');
const libraryId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Only letters, digits, _ and -');
const yyyyMM = z.string().regex(/^\d{4}(0[1-9]|1[0-2])$/, 'A month as yyyyMM, e.g. 202405.');
const taskId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Only letters, digits and _ . : -');

/** Which SIMs, in which order, between which months (`reviewSet.devices`, `reviewSet.saveCsv`). */
const deviceQuery = {
  sort: z.enum(['total', 'last', 'change', 'key']).optional(),
  /** Largest first (the default), or smallest first. */
  ascending: z.boolean().optional(),
  /** Case-insensitive text in the device id (`column` absent or the device column) or in one tag/group column. */
  filter: z.strictObject({ text: z.string().min(1).max(200), column: z.string().min(1).max(200).optional() }).optional(),
  from: yyyyMM.optional(),
  to: yyyyMM.optional(),
  /** Only the devices that changed, appeared (no rows in `from`) or went away (no rows in `to`). */
  only: z.enum(['changed', 'appeared', 'gone']).optional(),
};

/** At most this many files in one review. */
export const reviewSetMaxFiles = 120;

export const reviewSetArgs = {
  /** Reviews saved bill exports together, by library id (in this order: a repeated month is taken from the first file). */
  'reviewSet.open': z.strictObject({ libraryIds: z.array(libraryId).min(1).max(reviewSetMaxFiles) }),
  /** Reviews every saved bill export of an account (newest export of a month first). */
  'reviewSet.openAccount': z.strictObject({ accountId: z.string().min(1).max(64) }),
  /** Reviews files dropped on the window together, by the ids `window.billing.openDropped` gave for them. */
  'reviewSet.openDropped': z.strictObject({ dropIds: z.array(dropIdSchema).min(1).max(maxDroppedFiles) }),
  /** Asks for several CSV files with the OS dialog and reviews them together; null when the user cancels. */
  'reviewSet.choose': z.strictObject({}),
  /** Waits until every file is read. */
  'reviewSet.summary': z.strictObject({ setId }),
  /** A window of the SIM × month table: sorted, filtered, with the change between two months (the last two by default). */
  'reviewSet.devices': z.strictObject({
    setId,
    offset: z.number().int().min(0).max(2 ** 32),
    limit: z.number().int().min(1).max(1000),
    ...deviceQuery,
  }),
  /** The malformed rows of the set's files, with each one's file. */
  'reviewSet.malformed': z.strictObject({ setId, offset: z.number().int().min(0).max(2 ** 32), limit: z.number().int().min(1).max(1000) }),
  /**
   * Saves one of the set's tables as a CSV file, built in the main process from the set it holds
   * (every row and column, however many), as `files.saveTableCsv` saves a table. The SIM table
   * takes the list's sort, filter and months; a change table takes the two months.
   */
  'reviewSet.saveCsv': z.strictObject({
    setId,
    table: z.enum(['byItem', 'byGroup', 'devices', 'changeByItem', 'changeByGroup', 'movers']),
    /** The tag/group column of `byGroup` and `changeByGroup`. */
    column: z.string().min(1).max(200).optional(),
    ...deviceQuery,
    taskId: taskId.optional(),
  }),
  /** What changed from one month of the set to another. */
  'reviewSet.compare': z.strictObject({ setId, from: yyyyMM, to: yyyyMM }),
  /** Makes sure the library holds the Soracom exports of these months for the account: exports and saves the missing ones. */
  'reviewSet.fetchMonths': z.strictObject({ accountId: z.string().min(1).max(64), months: z.array(yyyyMM).min(1).max(24), taskId: taskId.optional() }),
  'reviewSet.close': z.strictObject({ setId }),
};

export interface ReviewSetResults {
  'reviewSet.open': ReviewSetOpened;
  'reviewSet.openAccount': ReviewSetOpened;
  'reviewSet.openDropped': ReviewSetOpened;
  'reviewSet.choose': ReviewSetOpened | null;
  'reviewSet.summary': ReviewSetSummary;
  'reviewSet.devices': ReviewSetDevicePage;
  'reviewSet.malformed': ReviewSetMalformedPage;
  'reviewSet.saveCsv': SavedFile;
  'reviewSet.compare': ReviewChanges;
  'reviewSet.fetchMonths': ReviewFetchedMonths;
  'reviewSet.close': { closed: boolean };
}
