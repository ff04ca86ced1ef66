import { app, BrowserWindow, dialog, ipcMain, protocol, screen, session, shell } from 'electron';
import path from 'node:path';
import { argSchemas } from '../../contract';
import type { EventMessage } from '../../contract/events';
import { eventChannel, invokeChannelPrefix } from '../../preload/ipc-names';
import { createMainServices } from '../compose';
import { appEntryUrl, appScheme, isTrustedSenderUrl } from '../security/app-origin';
import { secureWebPreferences } from '../security/web-preferences';
import { fitToDisplays, loadWindowState, saveWindowState } from '../window-state';
import { registerAppProtocol } from './protocol';
import { hardenSessions } from './hardening';

protocol.registerSchemesAsPrivileged([
  { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

let mainWindow: BrowserWindow | undefined;

async function createWindow(): Promise<BrowserWindow> {
  const userData = app.getPath('userData');
  const saved = await loadWindowState(userData);
  const state = fitToDisplays(saved, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Billfold',
    backgroundColor: '#1b1d22',
    webPreferences: secureWebPreferences(path.join(__dirname, '../preload/index.cjs')),
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    void saveWindowState(userData, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  });
  await win.loadURL(appEntryUrl);
  return win;
}

async function start(): Promise<void> {
  hardenSessions(session.defaultSession);
  registerAppProtocol(path.join(__dirname, '../renderer'));

  const services = createMainServices({
    platform: {
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
      chooseFile: async ({ title, filters }) => {
        const options = { title, filters, properties: ['openFile' as const] };
        const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        return result.canceled ? undefined : result.filePaths[0];
      },
      chooseFolder: async ({ title, defaultPath }) => {
        const options = { title, properties: ['openDirectory' as const, 'createDirectory' as const], ...(defaultPath ? { defaultPath } : {}) };
        const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        return result.canceled ? undefined : result.filePaths[0];
      },
    },
    emit: (message: EventMessage) => {
      for (const win of BrowserWindow.getAllWindows()) win.webContents.send(eventChannel, message);
    },
    log: (line) => console.error(line),
  });

  for (const channel of Object.keys(argSchemas)) {
    ipcMain.handle(invokeChannelPrefix + channel, (event, args: unknown) => {
      if (!isTrustedSenderUrl(event.senderFrame?.url)) {
        return { ok: false, error: { code: 'not_allowed', message: 'Calls are accepted only from Billfold’s own pages.' } };
      }
      return services.router.handle(channel, args);
    });
  }

  if (process.argv.includes('--demo')) {
    await services.accounts.startDemo().catch((error: unknown) => console.error('[demo] could not start the demo accounts:', error));
  }
  app.on('will-quit', () => void services.close());

  mainWindow = await createWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow().then((w) => (mainWindow = w));
  });
  void app.whenReady().then(start);
}
