export type SavedFileKind = 'invoice-pdf' | 'bill-csv' | 'table-csv' | 'statement-pdf';

export const savedFileKinds: readonly SavedFileKind[] = ['invoice-pdf', 'bill-csv', 'table-csv', 'statement-pdf'];

/** How the library names each kind. */
export const savedFileKindLabels: Record<SavedFileKind, string> = {
  'invoice-pdf': 'Invoice PDF',
  'bill-csv': 'Bill export CSV',
  'table-csv': 'Table CSV',
  'statement-pdf': 'Statement PDF',
};

/** A file Billfold saved for the user, as the library lists it. */
export interface SavedFile {
  id: string;
  kind: SavedFileKind;
  /** Absent for files not tied to one account (e.g. an overview table). */
  accountId?: string;
  accountName?: string;
  /** What the file covers, e.g. `2024-05` or an invoice number. */
  period?: string;
  fileName: string;
  path: string;
  size: number;
  savedAt: string;
  /** SHA-256 of the file's bytes (hex), for files saved since it was recorded. */
  sha256?: string;
  /**
   * The provider document it was made from (`key`, e.g. `spatialflow:invoice:in_…`) and a hash of
   * what the provider sent (`hash`): a download finds a document already saved by these.
   */
  source?: { key: string; hash: string };
  /**
   * A provider's CSV with cells a spreadsheet would run as formulas (`=…`, `+…`, `@…`). It is kept
   * byte for byte (it is the provider's record); the library marks it and asks before opening it.
   */
  formulas?: true;
  /** In a save's answer: the same document was already in the Library, so nothing was written. */
  alreadySaved?: boolean;
}

export interface LibraryList {
  /** Newest first, after the filters. */
  files: SavedFile[];
  /** Files in the library before the filters. */
  total: number;
  /** The folder new files are saved under (one sub-folder per account). */
  downloadsFolder: string;
}

export interface LibraryRebuild {
  files: number;
  /** Unfinished temporary files (from an interrupted save) that were removed. */
  removedPartial: number;
}

export interface FilesSettings {
  /** Where files are saved: `<folder>/<account name>/`. */
  downloadsFolder: string;
  /** `Documents/Billfold`. */
  defaultDownloadsFolder: string;
  isDefault: boolean;
}
