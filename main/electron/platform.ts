import { app, dialog, Notification, shell, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { Platform } from '../platform';

/** The services' view of the desktop: Electron's shell, dialogs and folders. */
export function electronPlatform(window: () => BrowserWindow | undefined): Platform {
  const ask = async (options: OpenDialogOptions) => {
    const parent = window();
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled ? undefined : result.filePaths[0];
  };
  return {
    shell: 'electron',
    version: app.getVersion(),
    userDataDir: app.getPath('userData'),
    documentsDir: app.getPath('documents'),
    openExternal: (url) => shell.openExternal(url),
    openPath: async (file) => {
      const failure = await shell.openPath(file);
      if (failure) throw new Error(failure);
    },
    showItemInFolder: (file) => {
      shell.showItemInFolder(file);
      return Promise.resolve();
    },
    trashItem: (file) => shell.trashItem(file),
    chooseFile: ({ title, filters }) => ask({ title, filters, properties: ['openFile'] }),
    chooseFiles: async ({ title, filters }) => {
      const parent = window();
      const options: OpenDialogOptions = { title, filters, properties: ['openFile', 'multiSelections'] };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return result.canceled ? undefined : result.filePaths;
    },
    chooseFolder: ({ title, defaultPath }) =>
      ask({ title, properties: ['openDirectory', 'createDirectory'], ...(defaultPath === undefined ? {} : { defaultPath }) }),
    notify: ({ title, body }) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
  };
}
