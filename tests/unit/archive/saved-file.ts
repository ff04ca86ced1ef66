import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';

/** A Library entry of `account` that a pack plan reads (no file behind it: plans never open one). */
export const savedFile = (account: Pick<AccountSummary, 'id' | 'name'>, fileName: string, extra: Partial<SavedFile>): SavedFile => ({
  id: `f_${fileName.replace(/\W/g, '')}`,
  kind: 'statement-pdf',
  accountId: account.id,
  accountName: account.name,
  fileName,
  path: `/nowhere/${fileName}`,
  size: 1,
  savedAt: '2026-10-02T00:00:00.000Z',
  ...extra,
});
