import { z } from 'zod';

/**
 * Files the user dropped on the window. The page never names a path: the preload asks Electron
 * for the paths of the `File`s that came with the drop (a `File` the page made itself has none)
 * and sends them on their own IPC channel, outside the invoke contract; the main process keeps
 * each path and gives the page an opaque id, which review channels take instead of a path. The
 * browser harness does the same after it stored the dropped bytes (`/__harness/upload`).
 */

/** How many files one drop may carry. */
export const maxDroppedFiles = 50;

/** An id the main process gave for a dropped file (random; meaningless elsewhere). */
export const dropIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'Not a dropped-file id');

/** What the preload sends on the drop channel: each dropped file's name and the path Electron knows for it ('' when none). */
export const droppedFilesMessage = z.strictObject({
  files: z
    .array(z.strictObject({ name: z.string().max(1024), path: z.string().max(4096) }))
    .min(1)
    .max(maxDroppedFiles),
});
export type DroppedFilesMessage = z.infer<typeof droppedFilesMessage>;

export interface DroppedFile {
  dropId: string;
  fileName: string;
  size: number;
}

export interface DroppedFiles {
  /** The files that can be opened, in the order they were dropped. */
  files: DroppedFile[];
  /** The ones that cannot (no local file behind them, gone, not a plain file), with the reason. */
  refused: { fileName: string; message: string }[];
}
