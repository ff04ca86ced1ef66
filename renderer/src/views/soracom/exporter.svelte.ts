import { tick } from 'svelte';
import type { ErrorInfo } from '../../../../contract/errors';
import type { SavedFile } from '../../../../contract/models/files';
import type { SoracomExportResult } from '../../../../contract/models/soracom';
import { call, errorInfo } from '../../lib/billing';
import { formatYearMonth } from '../../lib/format';

/** 'latest' (the current month so far) or a yyyyMM. */
export type ExportTarget = string;

export interface ExportProgress {
  label: string;
  done: number;
  total?: number;
}

/** What an export covers, in words: "this month so far", "July 2026". */
export function exportWhat(target: ExportTarget): string {
  return target === 'latest' ? 'this month so far' : formatYearMonth(target);
}

let counter = 0;

function newTaskId(target: ExportTarget): string {
  counter += 1;
  return `soracom-export-${target}-${Date.now().toString(36)}-${counter}`;
}

/**
 * One account's "Export CSV" runs: export (async on Soracom's side: start, poll, download, shown
 * through `task.progress`), then save the CSV in the account's folder. One run at a time.
 */
export class SoracomExporter {
  running = $state<ExportTarget | undefined>();
  progress = $state<ExportProgress | undefined>();
  /** The last finished run. */
  saved = $state<{ target: ExportTarget; file: SavedFile; rows: number | undefined } | undefined>();
  failed = $state<{ target: ExportTarget; stage: 'export' | 'save'; error: ErrorInfo } | undefined>();
  /** Every file saved since the pane opened, by target, so a month's row can say it is saved. */
  savedFiles = $state<Record<ExportTarget, SavedFile>>({});
  cancelling = $state(false);

  #taskId: string | undefined;

  readonly #accountId: () => string;

  constructor(accountId: () => string) {
    this.#accountId = accountId;
  }

  get accountId(): string {
    return this.#accountId();
  }

  /** The target whose run is shown: the one running, else the last one finished. */
  get shownTarget(): ExportTarget | undefined {
    return this.running ?? this.failed?.target ?? this.saved?.target;
  }

  /** A short line for screen readers as a run starts and ends (a failure is an alert of its own). */
  get announcement(): string {
    if (this.running !== undefined) return `Exporting the bill CSV for ${exportWhat(this.running)}…`;
    if (this.saved) return `Saved ${this.saved.file.fileName}.`;
    return '';
  }

  async run(target: ExportTarget): Promise<void> {
    if (this.running !== undefined) return;
    const accountId = this.#accountId();
    const taskId = newTaskId(target);
    this.#taskId = taskId;
    this.running = target;
    this.saved = undefined;
    this.failed = undefined;
    this.progress = { label: 'Asking Soracom for the CSV', done: 0 };
    const stop = window.billing.on('task.progress', (p) => {
      if (p.taskId !== taskId || p.state !== 'running') return;
      const next: ExportProgress = { label: p.label, done: p.done };
      if (p.total !== undefined) next.total = p.total;
      this.progress = next;
    });
    let stage: 'export' | 'save' = 'export';
    try {
      const result: SoracomExportResult =
        target === 'latest'
          ? await call('soracom.exportLatestBilling', { accountId, taskId })
          : await call('soracom.exportBilling', { accountId, yyyyMM: target, taskId });
      stage = 'save';
      this.progress = { label: 'Saving the CSV', done: result.byteLength, total: result.byteLength };
      const file = await call('files.saveSoracomExport', {
        accountId,
        exportedFileId: result.exportedFileId,
        ...(target === 'latest' ? {} : { yyyyMM: target }),
      });
      this.saved = { target, file, rows: result.rows };
      this.savedFiles[target] = file;
    } catch (error) {
      const info = errorInfo(error);
      if (info.code !== 'cancelled') this.failed = { target, stage, error: info };
    } finally {
      stop();
      // Cancel goes with the progress: if it had the keyboard, the export's button takes it back.
      const cancelHadFocus = (document.activeElement?.closest('[data-export-cancel]') ?? null) !== null;
      if (cancelHadFocus) void tick().then(() => document.querySelector<HTMLElement>(`[data-export-target="${target}"]`)?.focus());
      this.#taskId = undefined;
      this.cancelling = false;
      this.running = undefined;
      this.progress = undefined;
    }
  }

  /** Stops the running export in the main process (Soracom's side may still finish preparing the file). */
  async cancel(): Promise<void> {
    if (!this.#taskId || this.cancelling) return;
    this.cancelling = true;
    await call('files.cancel', { taskId: this.#taskId }).catch(() => undefined);
  }
}
