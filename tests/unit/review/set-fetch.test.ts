// Fetching the months of a comparison: exported from Soracom and saved into the library, with the
// progress reaching the caller's task. Real services over the demo sandboxes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Events } from '../../../contract/events';
import { mainServices } from '../files/helpers';

type Services = Awaited<ReturnType<typeof mainServices>>;
let s: Services;
beforeAll(async () => {
  s = await mainServices();
}, 60_000);
afterAll(() => s.close());

function previousMonth(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

it('takes a task id as long as its contract allows, and the export’s own progress reaches that task as <taskId>.<month>', async () => {
  const month = previousMonth();
  const taskId = `compare-${'x'.repeat(56)}`;
  expect(taskId).toHaveLength(64);
  const result = await s.call<{ libraryIds: string[]; fetched: string[] }>('reviewSet.fetchMonths', { accountId: s.ids.soracom, months: [month], taskId });
  expect(result.fetched).toEqual([month]);
  expect(result.libraryIds).toHaveLength(1);

  const progress = s.events.filter((e) => e.event === 'task.progress').map((e) => e.payload as Events['task.progress']);
  const own = progress.filter((p) => p.taskId === taskId);
  expect(own.at(-1)).toMatchObject({ state: 'done', label: 'Ready', done: 1, total: 1 });
  // The export's steps, under the caller's id and the month, as the comparison view shows them.
  const exportSteps = progress.filter((p) => p.taskId === `${taskId}.${month}`);
  expect(exportSteps.length).toBeGreaterThan(0);
  expect(exportSteps.at(-1)?.state).toBe('done');
  // None of them under another id the caller could not match.
  expect(progress.filter((p) => p.taskId.startsWith('review-fetch-'))).toEqual([]);
}, 60_000);
