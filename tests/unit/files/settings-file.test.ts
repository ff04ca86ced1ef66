import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../../contract/events';
import type { FilesSettings } from '../../../contract/models/files';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
import { routerCall, testPlatform } from '../../support/platform';

const opened: { services: MainServices; dir: string }[] = [];
afterEach(async () => {
  for (const { services, dir } of opened.splice(0)) {
    await services.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/** The settings a hand-made settings.json gives, and the notices Billfold shows about it. */
async function withSettingsFile(text: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-settings-'));
  const userData = path.join(dir, 'user-data');
  await fs.mkdir(userData, { recursive: true });
  const file = path.join(userData, 'settings.json');
  await fs.writeFile(file, text);
  const events: EventMessage[] = [];
  const services = createMainServices({ platform: testPlatform(userData), emit: (m) => events.push(m), log: () => undefined, secrets: memorySecretStore(), backgroundSync: false });
  opened.push({ services, dir });
  const settings = await routerCall(services)<FilesSettings>('settings.get', {});
  const notices = events.filter((e) => e.event === 'app.notice').map((e) => (e.payload as { message: string }).message);
  return { file, settings, notices };
}

const tail = 'The downloads folder, budgets and sync schedule are back to their defaults.';

describe('a settings.json Billfold cannot read', () => {
  it('without "version": 1, the notice names the file and the missing key', async () => {
    const { file, settings, notices } = await withSettingsFile('{"downloadsFolder": "/srv/billing"}');
    expect(settings.isDefault).toBe(true);
    expect(notices).toEqual([`Billfold’s settings could not be read: ${file} has no "version": 1; add "version": 1 beside the other settings. ${tail}`]);
  });

  it('of another version, not JSON, or with a value of the wrong kind, the notice says which', async () => {
    const other = await withSettingsFile('{"version": 2, "downloadsFolder": "/srv/billing"}');
    expect(other.notices).toEqual([`Billfold’s settings could not be read: ${other.file} is of version 2, which this Billfold does not read (it reads "version": 1). ${tail}`]);
    const broken = await withSettingsFile('{"version": 1, "downloadsFolder": "/srv/billing",}');
    expect(broken.notices).toEqual([expect.stringMatching(new RegExp(`^Billfold’s settings could not be read: ${broken.file.replace(/[.\\]/g, '\\$&')} is not valid JSON \\(.+\\)\\. `))]);
    const wrong = await withSettingsFile('{"version": 1, "downloadsFolder": 5}');
    expect(wrong.notices).toEqual([expect.stringContaining(`${wrong.file} has a value Billfold cannot use: "downloadsFolder" (`)]);
  });

  it('with "version": 1, as the README shows it, the folder is used and nothing is said', async () => {
    const { settings, notices } = await withSettingsFile('{"version": 1, "downloadsFolder": "/srv/billing"}');
    expect(settings).toMatchObject({ downloadsFolder: '/srv/billing', isDefault: false });
    expect(notices).toEqual([]);
  });
});
