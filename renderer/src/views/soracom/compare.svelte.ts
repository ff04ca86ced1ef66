import type { ErrorInfo } from '../../../../contract/errors';
import { call, errorInfo } from '../../lib/billing';
import { formatYearMonth } from '../../lib/format';
import { openReviewSet } from '../../lib/review-nav.svelte';
import { previousMonthOf } from '../review-set/tables';

let counter = 0;

/**
 * "Compare with the previous month": makes sure the library holds both months' detailed exports
 * (exporting and saving the missing ones through the usual export path, with progress), then
 * opens them in the multi-file review at What changed. The button and its progress are shown apart
 * (`CompareButton`, `CompareStatus`), so the progress sits under the month's buttons.
 */
export class MonthComparison {
  busy = $state(false);
  label = $state('');
  error = $state<ErrorInfo | undefined>();

  readonly #month: () => { accountId: string; yyyyMM: string };

  constructor(month: () => { accountId: string; yyyyMM: string }) {
    this.#month = month;
  }

  get yyyyMM(): string {
    return this.#month().yyyyMM;
  }

  get previous(): string {
    return previousMonthOf(this.yyyyMM);
  }

  async run(): Promise<void> {
    if (this.busy) return;
    const { accountId, yyyyMM } = this.#month();
    const previous = previousMonthOf(yyyyMM);
    this.busy = true;
    this.error = undefined;
    counter += 1;
    const taskId = `compare-${yyyyMM}-${Date.now().toString(36)}-${counter}`;
    this.label = 'Looking for the exports in the library';
    const stop = window.billing.on('task.progress', (p) => {
      if (p.state !== 'running') return;
      // The overall steps, and each export's own progress (`<taskId>.<month>`).
      if (p.taskId === taskId) this.label = p.label;
      else if (p.taskId.startsWith(`${taskId}.`)) this.label = `${formatYearMonth(p.taskId.slice(taskId.length + 1))}: ${p.label}`;
    });
    try {
      const result = await call('reviewSet.fetchMonths', { accountId, months: [previous, yyyyMM], taskId });
      openReviewSet({ kind: 'library', libraryIds: result.libraryIds }, { from: previous, to: yyyyMM });
    } catch (e) {
      this.error = errorInfo(e);
    } finally {
      stop();
      this.busy = false;
    }
  }
}
