import type { AppCapabilities } from '../contract/models/app';

/** A desktop shell's: native dialogs, and files opened by the OS. */
export const desktopCapabilities: AppCapabilities = { fileDialogs: true, openFiles: true };

/**
 * What services need from the desktop shell. The Electron glue implements it with
 * `shell`, `dialog` and `app`; the test harness implements it in plain Node.
 */
export interface Platform {
  shell: 'electron' | 'web' | 'cli';
  version: string;
  /** Per-user folder for the account registry, snapshots and the library index. */
  userDataDir: string;
  /** The user's Documents folder; downloads go below it by default. */
  documentsDir: string;
  /** What the window can offer here; the desktop's (`desktopCapabilities`) when absent. */
  capabilities?: AppCapabilities;
  openExternal(url: string): Promise<void>;
  /** Opens a local file with the OS's default application. */
  openPath(path: string): Promise<void>;
  /** Shows a local file selected in the OS file manager. */
  showItemInFolder(path: string): Promise<void>;
  /**
   * Moves a local file to the system trash, where the user can get it back. Where there is none
   * (the command line) files are deleted instead.
   */
  trashItem?(path: string): Promise<void>;
  /**
   * Where files cannot be opened on this computer (the browser): hands a saved file to the page
   * as a download, answering a one-time address for it.
   */
  offerDownload?(file: { path: string; fileName: string }): Promise<string>;
  /** Asks the user for an existing file; undefined when they cancel. */
  chooseFile(opts: { title: string; filters: { name: string; extensions: string[] }[] }): Promise<string | undefined>;
  /** Asks the user for one or more existing files; undefined when they cancel. Absent: `chooseFile` is asked instead. */
  chooseFiles?(opts: { title: string; filters: { name: string; extensions: string[] }[] }): Promise<string[] | undefined>;
  /** Asks the user for a folder; undefined when they cancel. */
  chooseFolder(opts: { title: string; defaultPath?: string }): Promise<string | undefined>;
  /**
   * Shows a desktop notification (Electron's `Notification`); the test harness records what it
   * would have shown. Absent where the shell has none: alerts are then shown in the window only.
   */
  notify?(notification: { title: string; body: string }): void;
}
