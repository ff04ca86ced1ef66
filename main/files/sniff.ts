import { AppError } from '../http/errors';

export type SniffedType = 'pdf' | 'html' | 'csv' | 'binary' | 'empty';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** What the first bytes of a download really are, whatever its name or content type says. */
export function sniff(bytes: Uint8Array): SniffedType {
  if (bytes.byteLength === 0) return 'empty';
  const head = bytes.subarray(0, 1024);
  if (startsWith(head, '%PDF-')) return 'pdf';
  let text: string;
  try {
    // A cut in the middle of a multi-byte character at the end of the sample is not an error.
    text = decoder.decode(head.byteLength < bytes.byteLength ? head.subarray(0, trimPartial(head)) : head);
  } catch {
    return 'binary';
  }
  const start = text.replace(/^\uFEFF/, '').trimStart().slice(0, 256).toLowerCase();
  if (/^<(!doctype\s+html|html|head|body|\?xml|!--|script|title|meta|div|p[\s>]|h1)/.test(start)) return 'html';
  if (/<\/?(html|body|head|script)[\s>]/.test(text.toLowerCase())) return 'html';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return 'binary';
  return 'csv';
}

function startsWith(bytes: Uint8Array, ascii: string): boolean {
  if (bytes.byteLength < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Length of `head` without a trailing incomplete UTF-8 sequence. */
function trimPartial(head: Uint8Array): number {
  let end = head.byteLength;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = head[end - back] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      if (back < need) end -= back;
    }
    break;
  }
  return end;
}

const described: Record<SniffedType, string> = {
  pdf: 'a PDF',
  html: 'a web page (probably an error page)',
  csv: 'text',
  binary: 'binary data',
  empty: 'empty',
};

/** Refuses to save bytes that are not what their file name will say. */
export function expectContent(bytes: Uint8Array, expected: 'pdf' | 'csv', what: string): void {
  const got = sniff(bytes);
  if (got === expected) return;
  throw new AppError('invalid_response', `${what} is ${described[got]}, not ${expected === 'pdf' ? 'a PDF' : 'a CSV file'}, so Billfold did not save it.`);
}
