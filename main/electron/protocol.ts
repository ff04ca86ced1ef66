import { protocol } from 'electron';
import fs from 'node:fs/promises';
import { contentSecurityPolicy } from '../security/csp';
import { appScheme, mimeTypeFor, resolveRendererAsset } from '../security/app-origin';

/** Serves the built renderer from `app://billfold/`, with the CSP on every response. */
export function registerAppProtocol(rendererRoot: string): void {
  protocol.handle(appScheme, async (request) => {
    const file = resolveRendererAsset(rendererRoot, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await fs.readFile(file);
      return new Response(body, {
        headers: {
          'Content-Type': mimeTypeFor(file),
          'Content-Security-Policy': contentSecurityPolicy,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
