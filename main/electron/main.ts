import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { argSchemas } from '../../contract';
import type { EventMessage } from '../../contract/events';
import { dropChannel, eventChannel, invokeChannelPrefix } from '../../preload/ipc-names';
import { createMainServices } from '../compose';
import { acquireInstanceLock } from '../fs/instance-lock';
import { AppError } from '../http/errors';
import { appEntryUrl, appScheme, isTrustedSenderUrl } from '../security/app-origin';
import { applicationMenuTemplate } from '../security/menu';
import { secureWebPreferences } from '../security/web-preferences';
import { fitToDisplays, loadWindowState, saveWindowState } from '../window-state';
import { registerAppProtocol } from './protocol';
import { hardenSessions } from './hardening';
import { electronPlatform } from './platform';
import { cliArguments, runElectronCli } from './cli';

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

/** The test build (electron-builder.e2e.yml) marks its package.json; unpackaged runs are development. */
function keepsDevTools(): boolean {
  if (!app.isPackaged) return true;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(app.getAppPath(), 'package.json'), 'utf8')) as { billfoldTestBuild?: unknown };
    return pkg.billfoldTestBuild === true;
  } catch {
    return false;
  }
}

async function start(): Promise<void> {
  // The single-instance lock keeps a second window out; this file lock also keeps out the command
  // line and the test harness when they are pointed at the same user-data folder.
  try {
    await acquireInstanceLock(app.getPath('userData'), 'the Billfold window');
  } catch (error) {
    const title = error instanceof AppError && error.code === 'in_use' ? 'Billfold is already running' : 'Billfold cannot use its data folder';
    dialog.showErrorBox(title, error instanceof AppError ? error.message : String(error));
    app.exit(1);
    return;
  }
  hardenSessions(session.defaultSession);
  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenuTemplate({ platform: process.platform, devTools: keepsDevTools() }) as Electron.MenuItemConstructorOptions[]));
  registerAppProtocol(path.join(__dirname, '../renderer'));

  const services = createMainServices({
    platform: electronPlatform(() => mainWindow),
    emit: (message: EventMessage) => {
      for (const win of BrowserWindow.getAllWindows()) win.webContents.send(eventChannel, message);
    },
    log: (line) => console.error(line),
  });

  const refused = { ok: false, error: { code: 'not_allowed', message: 'Calls are accepted only from Billfold’s own pages.' } };
  for (const channel of Object.keys(argSchemas)) {
    ipcMain.handle(invokeChannelPrefix + channel, (event, args: unknown) => {
      if (!isTrustedSenderUrl(event.senderFrame?.url)) return refused;
      return services.router.handle(channel, args);
    });
  }
  // The preload's own channel for dropped files: paths it got from webUtils, answered with ids.
  ipcMain.handle(dropChannel, (event, message: unknown) => {
    if (!isTrustedSenderUrl(event.senderFrame?.url)) return refused;
    return services.dropped.receive(message);
  });

  if (process.argv.includes('--demo')) {
    await services.accounts.startDemo().catch((error: unknown) => console.error('[demo] could not start the demo accounts:', error));
  }
  // Let the last snapshot writes finish and the demo sandboxes stop before the process ends.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void services.close().finally(() => {
      closed = true;
      app.quit();
    });
  });

  mainWindow = await createWindow();
}

const cliArgs = cliArguments(process.argv);
if (cliArgs) {
  // `Billfold --cli <command>`: no window, no single-instance lock; the command line's own
  // user-data lock keeps it from writing the same folder as a running window.
  void runElectronCli(cliArgs);
} else if (!app.requestSingleInstanceLock()) {
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
