import { z } from 'zod';
import type { FilesSettings } from '../models/files';

export const settingsArgs = {
  'settings.get': z.strictObject({}),
  /** Asks the user for a new downloads folder; answers the settings unchanged when they cancel. */
  'settings.chooseDownloadsFolder': z.strictObject({}),
  /** Back to `Documents/Billfold`. */
  'settings.resetDownloadsFolder': z.strictObject({}),
};

export interface SettingsResults {
  'settings.get': FilesSettings;
  'settings.chooseDownloadsFolder': FilesSettings;
  'settings.resetDownloadsFolder': FilesSettings;
}
