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

it('exports the current, still open month again each time, and reuses a closed month’s export saved after it ended', async () => {
  const now = new Date();
  const current = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const previous = previousMonth(now);
  const exportsOf = (taskId: string) =>
    s.events.filter((e) => e.event === 'task.progress' && (e.payload as Events['task.progress']).taskId.startsWith(`${taskId}.`)).map((e) => (e.payload as Events['task.progress']).taskId);
  const first = await s.call<{ fetched: string[]; reused: string[] }>('reviewSet.fetchMonths', { accountId: s.ids.soracom, months: [previous, current], taskId: 'compare-first' });
  // The previous month was exported by the test above.
  expect(first).toMatchObject({ fetched: [current], reused: [previous] });
  const second = await s.call<{ fetched: string[]; reused: string[]; libraryIds: string[] }>('reviewSet.fetchMonths', { accountId: s.ids.soracom, months: [previous, current], taskId: 'compare-second' });
  expect(second).toMatchObject({ fetched: [current], reused: [previous] });
  expect(new Set(exportsOf('compare-second'))).toEqual(new Set([`compare-second.${current}`]));
  const labels = s.events.filter((e) => e.event === 'task.progress' && (e.payload as Events['task.progress']).taskId === 'compare-second').map((e) => (e.payload as Events['task.progress']).label);
  expect(labels).toContain(`Exporting ${current.slice(0, 4)}-${current.slice(4)} again, as it is now (2 of 2)`);
}, 60_000);
