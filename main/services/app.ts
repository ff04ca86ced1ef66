import type { HandlerTable } from '../router/types';
import { desktopCapabilities, type Platform } from '../platform';
import { AppError } from '../http/errors';
import { externalUrlToOpen } from '../security/external-links';

export function createAppHandlers(platform: Platform): HandlerTable<'app.info' | 'app.openExternal'> {
  return {
    'app.info': () =>
      Promise.resolve({
        name: 'Billfold',
        version: platform.version,
        shell: platform.shell,
        platform: process.platform,
        capabilities: platform.capabilities ?? desktopCapabilities,
      }),
    'app.openExternal': async ({ url }) => {
      // The checked, normalized URL is opened, never the string the page sent.
      const href = externalUrlToOpen(url);
      if (href === undefined) {
        throw new AppError('not_allowed', 'Billfold only opens https links to the providers’ own sites.');
      }
      await platform.openExternal(href);
      return { opened: true };
    },
  };
}
