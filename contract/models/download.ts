import type { ProviderId } from './app';

/** What "download everything" fetches, per provider. */
export type ArchiveDocumentKind = 'spatialflow-invoice-pdf' | 'soracom-bill-csv' | 'soracom-statement-pdf' | 'agilicus-usage-statement-pdf';

/** A period of whole months, `YYYY-MM` to `YYYY-MM`, both included. */
export interface DownloadPeriod {
  from: string;
  to: string;
}

/** What a run was asked for: a period, and one account or all of them. */
export interface DownloadRequest extends DownloadPeriod {
  accountId?: string;
}

export type DownloadItemState = 'fetched' | 'skipped' | 'failed' | 'cancelled';

/** One document of a run, and what became of it. */
export interface DownloadItem {
  /** Stable across runs: the provider document (and month) it stands for. */
  key: string;
  accountId: string;
  accountName: string;
  provider: ProviderId;
  kind: ArchiveDocumentKind | 'listing';
  /** `YYYY-MM` the document covers. */
  period?: string;
  label: string;
  state: DownloadItemState;
  /** The library file (new, or the one already there when skipped). */
  fileId?: string;
  fileName?: string;
  /** Where that library file is on this computer. */
  path?: string;
  /** Bytes fetched from the provider for this document. */
  bytes?: number;
  /** Why it was skipped or why it failed. */
  reason?: { code: string; message: string };
}

/** The outcome of a run (also of a cancelled one: what was done until then). */
export interface DownloadSummary extends DownloadRequest {
  taskId: string;
  /** The run went on from an earlier one that was interrupted (quit, crash, cancel). */
  resumed: boolean;
  cancelled: boolean;
  fetched: number;
  skipped: number;
  failed: number;
  /** Bytes fetched from the providers. */
  bytes: number;
  /** The downloads folder the documents were saved into (each account's in a folder of its own). */
  folder: string;
  items: DownloadItem[];
}

/** A run that did not finish (the app quit, crashed, or it was cancelled): it can be resumed. */
export interface UnfinishedDownload extends DownloadRequest {
  startedAt: string;
  /** Documents known so far, and how many of them are done. */
  total: number;
  done: number;
}
