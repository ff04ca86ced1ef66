import type { ErrorInfo } from '../../../../contract/errors';
import type { SavedFile } from '../../../../contract/models/files';
import { call, errorInfo } from '../../lib/billing';
import { downloadSaved, host } from '../../lib/host.svelte';
import { newTaskId } from './words';

export interface SaveTaskOptions {
  /** e.g. "Save statement PDF". */
  label: string;
  /**
   * Does the save. It receives a task id: pass it to channels that take one (`files.saveInvoicePdf`,
   * `files.saveSoracomStatement`, `files.saveAgilicusUsageStatement`) so progress shows and the save can be cancelled.
   */
  action: (taskId: string) => Promise<SavedFile>;
  /** What the task id starts with (default: the label), e.g. `sf-pdf:in_123`. */
  taskName?: string | undefined;
}

/**
 * One "save a file" button's state: its progress, the file saved or the error. A view that keeps
 * the button in a row of buttons makes one, gives it to the button (`<SaveButton task>`) and shows
 * `<SaveStatus task>` under the row, so the status never pushes the buttons around.
 */
export class SaveTask {
  busy = $state(false);
  progress = $state<{ done: number; total?: number; label: string } | undefined>();
  saved = $state<SavedFile | undefined>();
  error = $state<ErrorInfo | undefined>();
  cancelling = $state(false);

  readonly #options: () => SaveTaskOptions;
  #taskId: string | undefined;

  constructor(options: () => SaveTaskOptions) {
    this.#options = options;
  }

  get label(): string {
    return this.#options().label;
  }

  get percent(): number | undefined {
    const p = this.progress;
    return p?.total ? Math.min(100, Math.round((p.done / p.total) * 100)) : undefined;
  }

  async save(): Promise<void> {
    if (this.busy) return;
    const { label, action, taskName } = this.#options();
    this.busy = true;
    this.error = undefined;
    this.saved = undefined;
    this.progress = undefined;
    const id = newTaskId(taskName ?? label);
    this.#taskId = id;
    const stop = window.billing.on('task.progress', (p) => {
      if (p.taskId !== id || p.state !== 'running') return;
      this.progress = p.total === undefined ? { done: p.done, label: p.label } : { done: p.done, total: p.total, label: p.label };
    });
    try {
      this.saved = await action(id);
    } catch (e) {
      const info = errorInfo(e);
      if (info.code !== 'cancelled') this.error = info;
    } finally {
      stop();
      this.busy = false;
      this.cancelling = false;
      this.#taskId = undefined;
    }
  }

  async cancel(): Promise<void> {
    if (!this.#taskId || this.cancelling) return;
    this.cancelling = true;
    await call('files.cancel', { taskId: this.#taskId }).catch(() => undefined);
  }

  async openSaved(): Promise<void> {
    if (!this.saved) return;
    try {
      if (host.capabilities.openFiles) await call('library.open', { id: this.saved.id });
      else await downloadSaved(this.saved.id);
    } catch (e) {
      this.error = errorInfo(e);
    }
  }

  async reveal(): Promise<void> {
    if (!this.saved) return;
    try {
      await call('library.showInFolder', { id: this.saved.id });
    } catch (e) {
      this.error = errorInfo(e);
    }
  }
}
