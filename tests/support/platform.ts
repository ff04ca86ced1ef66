import path from 'node:path';
import type { MainServices } from '../../main/compose';
import type { Platform } from '../../main/platform';

/**
 * A platform for services run in plain Node on a temporary user-data folder: nothing opens,
 * every dialog is cancelled. Documents go to `documentsDir`, by default beside the user data.
 */
export function testPlatform(userDataDir: string, overrides: Partial<Platform> = {}): Platform {
  return {
    shell: 'web',
    version: '0',
    userDataDir,
    documentsDir: path.join(userDataDir, 'Documents'),
    openExternal: () => Promise.resolve(),
    openPath: () => Promise.resolve(),
    showItemInFolder: () => Promise.resolve(),
    chooseFile: () => Promise.resolve(undefined),
    chooseFolder: () => Promise.resolve(undefined),
    ...overrides,
  };
}

/** Calls a channel through the router as the window would; a refusal throws with its code. */
export function routerCall(services: Pick<MainServices, 'router'>) {
  return async <T>(channel: string, args: unknown): Promise<T> => {
    const reply = await services.router.handle(channel, args);
    if (!reply.ok) throw new Error(`${channel}: ${reply.error.code} ${reply.error.message}`);
    return reply.value as T;
  };
}
