import type { LibraryResults } from '../../contract/channels/library';
import { savedFileKindLabels, type SavedFile } from '../../contract/models/files';
import type { AccountService } from '../accounts/service';
import type { LibraryIndex } from '../files/library-index';
import type { SettingsStore } from '../files/settings';
import type { Platform } from '../platform';
import { AppError } from '../http/errors';
import type { HandlerTable } from '../router/types';

export interface LibraryServiceDeps {
  platform: Pick<Platform, 'openPath' | 'showItemInFolder' | 'offerDownload'>;
  accounts: Pick<AccountService, 'list'>;
  library: LibraryIndex;
  settings: SettingsStore;
}

function matches(f: SavedFile, words: string[]): boolean {
  const haystack = [f.fileName, f.accountName ?? 'All accounts', f.period ?? '', savedFileKindLabels[f.kind]].join(' ').toLocaleLowerCase();
  return words.every((w) => haystack.includes(w));
}

/**
 * The library view's channels. Files are reached by their library id only: the renderer can
 * open, reveal or delete what Billfold saved, never an arbitrary path.
 */
export function createLibraryHandlers(deps: LibraryServiceDeps): HandlerTable<keyof LibraryResults> {
  const { library } = deps;

  /** Account names as they are now (an account may have been renamed since the file was saved). */
  async function withCurrentNames(files: SavedFile[]): Promise<SavedFile[]> {
    const names = new Map((await deps.accounts.list()).accounts.map((a) => [a.id, a.name]));
    return files.map((f) => {
      const name = f.accountId === undefined ? undefined : names.get(f.accountId);
      return name === undefined || name === f.accountName ? f : { ...f, accountName: name };
    });
  }

  async function openable(id: string, formulasConfirmed: true | undefined) {
    const file = await library.get(id);
    if (file.formulas && formulasConfirmed !== true) {
      throw new AppError('not_allowed', `${file.fileName} holds spreadsheet formulas from the provider. Confirm before opening it in a spreadsheet program.`);
    }
    return file;
  }

  return {
    'library.list': async ({ query, accountId, kind }) => {
      const all = await withCurrentNames(await library.all());
      const words = (query ?? '').toLocaleLowerCase().split(/\s+/).filter(Boolean);
      const files = all.filter((f) => (accountId === undefined || f.accountId === accountId) && (kind === undefined || f.kind === kind) && matches(f, words));
      return { files, total: all.length, downloadsFolder: (await deps.settings.get()).downloadsFolder };
    },
    'library.open': async ({ id, formulasConfirmed }) => {
      const file = await openable(id, formulasConfirmed);
      await deps.platform.openPath(file.path);
      return { opened: true };
    },
    'library.download': async ({ id, formulasConfirmed }) => {
      const offer = deps.platform.offerDownload?.bind(deps.platform);
      if (!offer) throw new AppError('not_allowed', 'Saved files open on this computer here: use Open or Show in folder.');
      const file = await openable(id, formulasConfirmed);
      return { url: await offer({ path: file.path, fileName: file.fileName }) };
    },
    'library.showInFolder': async ({ id }) => {
      await deps.platform.showItemInFolder((await library.get(id)).path);
      return { shown: true };
    },
    'library.delete': async ({ id }) => {
      await library.delete(id);
      return { deleted: true };
    },
    'library.rebuild': () => library.rebuild(),
  };
}
