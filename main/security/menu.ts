/**
 * Billfold's application menu, as a template for Electron's `Menu.buildFromTemplate`. Release
 * builds have no developer tools in it (no Toggle Developer Tools, no Reload, and so none of their
 * shortcuts); the test build and unpackaged runs keep them. Edit and Window carry the usual roles,
 * so copy, paste, select all, undo and the window shortcuts work in every text field.
 */

/** The part of Electron's MenuItemConstructorOptions the template uses. */
export interface MenuTemplateItem {
  label?: string;
  role?: string;
  type?: 'separator';
  submenu?: MenuTemplateItem[];
}

export const developerRoles = ['toggleDevTools', 'reload', 'forceReload'] as const;

export function applicationMenuTemplate(opts: { platform: NodeJS.Platform; devTools: boolean }): MenuTemplateItem[] {
  const mac = opts.platform === 'darwin';
  const separator: MenuTemplateItem = { type: 'separator' };
  const edit: MenuTemplateItem = {
    label: 'Edit',
    role: 'editMenu',
    submenu: [{ role: 'undo' }, { role: 'redo' }, separator, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'pasteAndMatchStyle' }, { role: 'delete' }, separator, { role: 'selectAll' }],
  };
  const view: MenuTemplateItem = {
    label: 'View',
    submenu: [
      ...(opts.devTools ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, separator] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  };
  const window: MenuTemplateItem = {
    label: 'Window',
    role: 'windowMenu',
    submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }],
  };
  return [
    ...(mac ? [{ role: 'appMenu' }] : []),
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    edit,
    view,
    window,
  ];
}
