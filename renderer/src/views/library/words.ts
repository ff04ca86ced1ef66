import { savedFileKindLabels, type SavedFileKind } from '../../../../contract/models/files';

export { savedFileKindLabels };
export const kindOptions = Object.entries(savedFileKindLabels) as [SavedFileKind, string][];

const units = ['bytes', 'KB', 'MB', 'GB'];

/** 1536 → "1.5 KB": sizes as a file manager shows them. */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  return `${value.toLocaleString(undefined, { maximumFractionDigits: value < 10 ? 1 : 0 })} ${units[unit]}`;
}

let counter = 0;
/** A task id for one save, so its progress events and its cancel button find it. */
export const newTaskId = (what: string) => `${what.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 40)}-${Date.now().toString(36)}-${(counter += 1)}`;
