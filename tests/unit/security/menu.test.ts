import { describe, expect, it } from 'vitest';
import { applicationMenuTemplate, developerRoles, type MenuTemplateItem } from '../../../main/security/menu';

const roles = (items: MenuTemplateItem[]): string[] => items.flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? [])]);

describe('the application menu', () => {
  it.each(['linux', 'win32', 'darwin'] as const)('on %s: no developer tools in a release build; Edit and Window items that make copy and paste work', (platform) => {
    const release = roles(applicationMenuTemplate({ platform, devTools: false }));
    for (const role of developerRoles) expect(release).not.toContain(role);
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'windowMenu', 'minimize', 'zoomIn', 'zoomOut', 'resetZoom']) expect(release).toContain(role);
    expect(release).toContain(platform === 'darwin' ? 'appMenu' : 'quit');
  });

  it('keeps the developer tools in the test build and unpackaged runs', () => {
    const test = roles(applicationMenuTemplate({ platform: 'linux', devTools: true }));
    for (const role of developerRoles) expect(test).toContain(role);
  });
});
