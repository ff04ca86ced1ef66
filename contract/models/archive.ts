/** Period packs and FOCUS exports: what the archive channels answer. */

export interface ArchiveCheck {
  provider: 'Soracom' | 'SpatialFlow';
  accountName: string;
  /** What was compared: `2026-10 detailed CSV against the bill`, `invoice SF-0042 against its line items`. */
  subject: string;
  /** `match`: equal; `differs`: both there, not equal; `missing`: one side is not in Billfold. */
  status: 'match' | 'differs' | 'missing';
  /** Exact decimals in `currency`; absent when that side is missing. */
  expected?: string;
  actual?: string;
  currency?: string;
  note?: string;
}

export interface ArchivePackResult {
  /** Pass to `archive.reveal`. */
  id: string;
  period: string;
  /** Where the pack is, for display only (e.g. `Documents/Billfold/Packs/2026-10`). */
  location: string;
  documents: number;
  bytes: number;
  checks: ArchiveCheck[];
  /** What the period should have and Billfold does not hold (never fetched by the pack). */
  missing: string[];
  /**
   * What to know about the pack: provider CSVs in it that hold spreadsheet formulas (also in its
   * notes.txt), a previous zip removed because it no longer matched, what could not be deleted.
   */
  notes: string[];
  /** SHA-256 of index.csv: equal for two packs built from the same Library. */
  indexSha256: string;
  /** `id`: pass to `archive.reveal` or `archive.download`. */
  zip?: { id: string; location: string; bytes: number };
}

export interface FocusExportResult {
  /** Pass to `archive.reveal` or `archive.download`; absent when the export went to a file named on the command line. */
  id?: string;
  period: string;
  format: 'csv' | 'parquet';
  location: string;
  costRows: number;
  /** `id`: pass to `archive.reveal` or `archive.download`. */
  usage?: { id: string; location: string; rows: number };
  /** Sum of BilledCost per invoice or bill, with the total the provider gave. */
  invoices: { provider: string; accountName: string; invoiceId: string; currency: string; billed: string; total?: string }[];
  missing: string[];
  notes: string[];
}
