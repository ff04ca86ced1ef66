import { app, type Session } from 'electron';

/**
 * Denies every permission, device, download, navigation, redirect, new window and webview, for
 * every web contents.
 */
export function hardenSessions(defaultSession: Session): void {
  defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  defaultSession.setPermissionCheckHandler(() => false);
  defaultSession.setDevicePermissionHandler(() => false);
  // Billfold saves files itself, from the main process. A page download (a link with `download`)
  // would open a Save dialog with a name and contents the page chose.
  defaultSession.on('will-download', (event) => event.preventDefault());
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
