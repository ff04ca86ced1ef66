// Fetching the months of a comparison: exported from Soracom and saved into the library, with the
// progress reaching the caller's task. Real services over the demo sandboxes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Events } from '../../../contract/events';
import type { LibraryList } from '../../../contract/models/files';
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

it('uses the saved export when exporting the month again fails for any reason but a cancel: a Soracom server error, an export Soracom reports as failed', async () => {
  const now = new Date();
  const current = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const period = `${current.slice(0, 4)}-${current.slice(4)}`;
  const soracom = (await s.demo.servers()).soracom;
  // The current month was exported and saved by the tests above; it is still open, so it is exported again.
  const { files } = await s.call<LibraryList>('library.list', { accountId: s.ids.soracom, kind: 'bill-csv' });
  const saved = files.filter((f) => f.period === period).sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0];
  expect(saved).toBeDefined();
  const labelsOf = (taskId: string) =>
    s.events.filter((e) => e.event === 'task.progress' && (e.payload as Events['task.progress']).taskId === taskId).map((e) => e.payload as Events['task.progress']);
  const faults = [
    { taskId: 'compare-server-error', fault: { kind: 'status' as const, status: 503, path: `/v1/bills/${current}/export` } },
    { taskId: 'compare-export-failed', fault: { kind: 'patch' as const, method: 'GET', path: '/v1/files/exported/', pointer: '/status', value: 'failed' } },
  ];
  try {
    for (const { taskId, fault } of faults) {
      soracom.setFaults([fault]);
      const result = await s.call<{ fetched: string[]; reused: string[]; libraryIds: string[] }>('reviewSet.fetchMonths', { accountId: s.ids.soracom, months: [current], taskId });
      expect(result).toEqual({ fetched: [], reused: [current], libraryIds: [saved?.id] });
      const own = labelsOf(taskId);
      expect(own.map((p) => p.label)).toContain(`${period} could not be exported again; using the saved export (1 of 1)`);
      expect(own.at(-1)).toMatchObject({ state: 'done', label: 'Ready' });
    }
  } finally {
    soracom.clearFaults();
  }
}, 60_000);

it('a cancelled export again fails the comparison instead of using the saved export', async () => {
  const now = new Date();
  const current = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const soracom = (await s.demo.servers()).soracom;
  const taskId = 'compare-cancelled';
  // The export runs under an id of its own, derived from the caller's (see reviewSet.fetchMonths).
  const exportId = `review-fetch-${createHash('sha256').update(taskId).digest('hex').slice(0, 16)}.${current}`;
  soracom.setFaults([{ kind: 'latency', latencyMs: 5_000, path: `/v1/bills/${current}/export` }]);
  try {
    const fetching = s.call('reviewSet.fetchMonths', { accountId: s.ids.soracom, months: [current], taskId }).then(
      () => undefined,
      (error: unknown) => error as { code: string },
    );
    while (!s.events.some((e) => e.event === 'task.progress' && (e.payload as Events['task.progress']).taskId === `${taskId}.${current}`)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect(s.call('files.cancel', { taskId: exportId })).resolves.toEqual({ cancelled: true });
    expect(await fetching).toMatchObject({ code: 'cancelled' });
  } finally {
    soracom.clearFaults();
  }
}, 60_000);
