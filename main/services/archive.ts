import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveResults } from '../../contract/channels/archive';
import type { ArchivePackResult, FocusExportResult } from '../../contract/models/archive';
import type { AccountService } from '../accounts/service';
import type { FocusWriteOutcome } from '../archive/export';
import type { PackOutcome } from '../archive/pack';
import { monthRange } from '../archive/period';
import type { ArchiveSourceDeps } from '../archive/sources';
import type { TableFormat } from '../archive/table-write';
import { fileIdOf, type LibraryIndex } from '../files/library-index';
import type { SettingsStore } from '../files/settings';
import { createTaskRegistry, type TaskRegistry } from '../files/tasks';
import { AppError } from '../http/errors';
import type { Platform } from '../platform';
import type { EventSink, HandlerTable } from '../router/types';
import type { SnapshotStore } from '../snapshots/store';

export interface ArchiveServiceDeps {
  platform: Pick<Platform, 'showItemInFolder' | 'offerDownload'>;
  accounts: Pick<AccountService, 'list'>;
  library: Pick<LibraryIndex, 'all'>;
  settings: Pick<SettingsStore, 'get'>;
  snapshots: Pick<SnapshotStore, 'list'>;
  tasks?: TaskRegistry;
}

export interface ArchiveProgress {
  (p: { label: string; done: number; total?: number }): void;
}

export interface ArchiveService {
  handlers: HandlerTable<keyof ArchiveResults>;
  /** The pack of a month or quarter under the downloads folder (the window's and the command line's action). */
  pack(period: string, opts?: { zip?: boolean; onProgress?: ArchiveProgress; signal?: AbortSignal }): Promise<ArchivePackResult>;
  /** A FOCUS export to a file the caller names (the command line's `--out`). */
  exportFocusTo(file: string, opts: { from: string; to: string; format: TableFormat; onProgress?: ArchiveProgress }): Promise<FocusExportResult>;
}

export const exportsFolder = (root: string) => path.join(root, 'Exports');
/** The names of the FOCUS exports written there: `FOCUS 2026-10.csv`, `FOCUS 2026-01 to 2026-06.usage.parquet`. */
export const isFocusExportName = (name: string) => /^FOCUS \d{4}-\d{2}( to \d{4}-\d{2})?(\.usage)?\.(csv|parquet)$/.test(name);
export const packsFolder = (root: string) => path.join(root, 'Packs');

/** Where a file is, for display (the renderer never sends a path back: it reveals by id). */
const shown = (file: string) => file;

function packResult(o: PackOutcome): ArchivePackResult {
  const out: ArchivePackResult = {
    id: fileIdOf(o.dir),
    period: o.period.label,
    location: shown(o.dir),
    documents: o.documents.length,
    bytes: o.bytes,
    checks: o.checks,
    missing: o.missing,
    notes: o.notes,
    indexSha256: o.indexSha256,
  };
  if (o.zip) out.zip = { id: fileIdOf(o.zip.file), location: shown(o.zip.file), bytes: o.zip.bytes };
  return out;
}

function exportResult(o: FocusWriteOutcome, format: TableFormat): FocusExportResult {
  const out: FocusExportResult = {
    period: o.data.period.label,
    format,
    location: shown(o.costFile),
    costRows: o.data.rows.length,
    invoices: o.data.invoices,
    missing: o.data.missing,
    notes: o.data.notes,
  };
  out.usage = { id: fileIdOf(o.usageFile), location: shown(o.usageFile), rows: o.data.usage.length };
  return out;
}

export function createArchiveService(deps: ArchiveServiceDeps): ArchiveService {
  const tasks = deps.tasks ?? createTaskRegistry();
  const sources: ArchiveSourceDeps = {
    listAccounts: async () => (await deps.accounts.list()).accounts,
    libraryFiles: () => deps.library.all(),
    snapshots: deps.snapshots,
  };
  const root = async () => (await deps.settings.get()).downloadsFolder;

  async function pack(period: string, opts: { zip?: boolean; onProgress?: ArchiveProgress; signal?: AbortSignal } = {}): Promise<ArchivePackResult> {
    // The pack and export code (and its Parquet writer) loads on first use, not at start.
    const { buildPack } = await import('../archive/pack');
    const outcome = await buildPack(
      {
        ...sources,
        root,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (done, total, what) => opts.onProgress?.({ label: `Period pack ${period}: ${what}`, done, total }),
      },
      period,
      { zip: opts.zip ?? false },
    );
    return packResult(outcome);
  }

  async function exportFocusTo(file: string, opts: { from: string; to: string; format: TableFormat; onProgress?: ArchiveProgress }): Promise<FocusExportResult> {
    const { writeFocus } = await import('../archive/export');
    const outcome = await writeFocus(sources, opts.from, opts.to, opts.format, path.resolve(file), (what) => opts.onProgress?.({ label: `FOCUS export: ${what}`, done: 0 }));
    return exportResult(outcome, opts.format);
  }

  /** Runs work as a task with progress events; `files.cancel` reaches it by its id. */
  async function asTask<T>(events: EventSink, taskId: string | undefined, label: string, work: (signal: AbortSignal, progress: ArchiveProgress) => Promise<T>): Promise<T> {
    const id = taskId ?? `archive-${randomUUID()}`;
    const controller = tasks.start(id);
    events.emit('task.progress', { taskId: id, label, done: 0, state: 'running' });
    try {
      const result = await work(controller.signal, (p) => events.emit('task.progress', { taskId: id, label: p.label, done: p.done, ...(p.total === undefined ? {} : { total: p.total }), state: 'running' }));
      events.emit('task.progress', { taskId: id, label, done: 1, total: 1, state: 'done' });
      return result;
    } catch (error) {
      const cancelled = error instanceof AppError && error.code === 'cancelled';
      events.emit('task.progress', { taskId: id, label, done: 0, state: cancelled ? 'cancelled' : 'failed' });
      throw error;
    } finally {
      tasks.finish(id, controller);
    }
  }

  /** Only what the archive wrote into its own folders can be revealed: packs, their zips, exports. */
  async function findOutput(id: string): Promise<string> {
    const base = await root();
    for (const dir of [packsFolder(base), exportsFolder(base)]) {
      for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
        if (name.startsWith('.')) continue;
        const candidate = path.join(dir, name);
        if (fileIdOf(candidate) === id) return candidate;
      }
    }
    throw new AppError('not_found', 'That pack or export is no longer in its folder.');
  }

  const handlers: HandlerTable<keyof ArchiveResults> = {
    'archive.pack': ({ period, zip, taskId }, ctx) =>
      asTask(ctx.events, taskId, `Period pack ${period}`, (signal, onProgress) => pack(period, { zip: zip ?? false, signal, onProgress })),
    'archive.exportFocus': ({ from, to, format, taskId }, ctx) =>
      asTask(ctx.events, taskId, `FOCUS export ${from} to ${to}`, async (_signal, onProgress) => {
        const period = monthRange(from, to);
        const name = `FOCUS ${period.months.length === 1 ? from : `${from} to ${to}`}.${format}`;
        const file = path.join(exportsFolder(await root()), name);
        const result = await exportFocusTo(file, { from, to, format, onProgress });
        return { ...result, id: fileIdOf(file) };
      }),
    'archive.reveal': async ({ id }) => {
      await deps.platform.showItemInFolder(await findOutput(id));
      return { shown: true };
    },
    'archive.download': async ({ id }) => {
      const offer = deps.platform.offerDownload?.bind(deps.platform);
      if (!offer) throw new AppError('not_allowed', 'Packs and exports open on this computer here: use Show in folder.');
      const file = await findOutput(id);
      // A pack is a folder: it goes to a browser as its zip. A link is never followed out of the folder.
      if (!(await fs.lstat(file)).isFile()) throw new AppError('not_allowed', 'A pack is a folder: write it again with “Also as one zip” to download it.');
      return { url: await offer({ path: file, fileName: path.basename(file) }) };
    },
  };
  return { handlers, pack, exportFocusTo };
}
