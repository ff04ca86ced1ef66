import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EventMessage } from '../../../contract/events';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import type { Platform } from '../../../main/platform';

const run = promisify(execFile);

/** The text of a PDF, as poppler's pdftotext reads it (layout kept, so table rows stay on one line). */
export async function pdfText(file: string): Promise<string> {
  const { stdout } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-']);
  return stdout;
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `billfold-${prefix}-`));
}

/** The real services and router over demo sandboxes, with a platform that records what it was asked to do. */
export async function mainServices() {
  const dir = await tempDir('files-services');
  const shell: { action: string; path: string }[] = [];
  const folderAnswers: (string | undefined)[] = [];
  const events: EventMessage[] = [];
  const platform: Platform = {
    shell: 'web',
    version: 'test',
    userDataDir: path.join(dir, 'user-data'),
    documentsDir: path.join(dir, 'Documents'),
    openExternal: () => Promise.resolve(),
    openPath: (p) => (shell.push({ action: 'openPath', path: p }), Promise.resolve()),
    showItemInFolder: (p) => (shell.push({ action: 'showItemInFolder', path: p }), Promise.resolve()),
    chooseFile: () => Promise.resolve(undefined),
    chooseFolder: () => Promise.resolve(folderAnswers.shift()),
  };
  const demo = createDemoSandboxes();
  const secrets = memorySecretStore();
  // The demo accounts' credentials and sessions go to the same store, so a test sees every secret value in one place.
  const services = createMainServices({ platform, emit: (m) => events.push(m), log: () => undefined, secrets, demoSecrets: secrets, demo });
  const accounts = await services.accounts.startDemo();
  const id = (provider: string) => accounts.find((a) => a.provider === provider)!.id;
  /** Calls a channel as the renderer does and unwraps the envelope (throws the error info). */
  async function call<T = unknown>(channel: string, args: unknown): Promise<T> {
    const reply = await services.router.handle(channel, args);
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), reply.error);
    return reply.value as T;
  }
  return {
    dir,
    platform,
    services,
    secrets,
    demo,
    shell,
    folderAnswers,
    events,
    call,
    ids: { spatialflow: id('spatialflow'), agilicus: id('agilicus'), soracom: id('soracom') },
    close: async () => {
      await services.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
