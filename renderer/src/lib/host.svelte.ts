import type { AppCapabilities, AppInfo } from '../../../contract/models/app';
import { call } from './billing';

/**
 * What the host around the window can do, as the main process says in `app.info`: the desktop
 * shows OS dialogs and opens files; a browser uploads and downloads them instead.
 */
export const host = $state<{ capabilities: AppCapabilities }>({ capabilities: { fileDialogs: true, openFiles: true } });

export function learnHost(info: AppInfo): void {
  host.capabilities = info.capabilities;
}

/** Hands a saved file to the browser as a download, from the one-time address the main side answers for its library id. */
export async function downloadSaved(id: string, opts: { formulasConfirmed?: true } = {}): Promise<void> {
  follow((await call('library.download', opts.formulasConfirmed ? { id, formulasConfirmed: true } : { id })).url);
}

/** The same for a pack's zip or an export, by the id the archive answered with. */
export async function downloadArchived(id: string): Promise<void> {
  follow((await call('archive.download', { id })).url);
}

function follow(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = '';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
