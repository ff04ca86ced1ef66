/**
 * What services need from the desktop shell. The Electron glue implements it with
 * `shell`, `dialog` and `app`; the test harness implements it in plain Node.
 */
export interface Platform {
  shell: 'electron' | 'web';
  version: string;
  /** Per-user folder for the account registry, snapshots and the library index. */
  userDataDir: string;
  /** The user's Documents folder; downloads go below it by default. */
  documentsDir: string;
  openExternal(url: string): Promise<void>;
}
