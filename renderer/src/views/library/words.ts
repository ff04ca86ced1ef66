import { savedFileKindLabels, type SavedFileKind } from '../../../../contract/models/files';

export { savedFileKindLabels };
export const kindOptions = Object.entries(savedFileKindLabels) as [SavedFileKind, string][];

let counter = 0;
/** A task id for one save, so its progress events and its cancel button find it. */
export const newTaskId = (what: string) => `${what.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 40)}-${Date.now().toString(36)}-${(counter += 1)}`;
