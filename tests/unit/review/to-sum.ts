import fs from 'node:fs';
import { readLayout } from '../../../main/review/engine';
import type { FileToSum } from '../../../main/review/summarize';

/** A file on disk as the summary takes it: its path, size and column layout. */
export function toSum(file: string): FileToSum {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    return { path: file, layout: readLayout(fd, size), size };
  } finally {
    fs.closeSync(fd);
  }
}
