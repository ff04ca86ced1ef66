/**
 * File names that come from a server, a table title or an account name are reduced to a safe
 * base name before anything is written: no folders, no control characters, nothing Windows
 * refuses, not too long, never hidden.
 */

/** Names Windows reserves for devices, with or without an extension. */
const reservedWindowsNames = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/** Longest base name written, in UTF-8 bytes (most file systems allow 255). */
export const maxNameBytes = 180;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Cuts `s` to at most `bytes` UTF-8 bytes without splitting a character. */
function cutToBytes(s: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (used + n > bytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * Reduces `raw` to a base name that is safe in any folder on Windows, macOS and Linux.
 * `extension` (e.g. `.pdf`) is forced on the result; `fallback` is used when nothing is left.
 */
export function safeFileName(raw: string, extension: string, fallback = 'file'): string {
  // A slash is part of the text (a customer "Acme/EU", an invoice "INV/2026/7"), never a folder:
  // it becomes a dash, and nothing before it is lost.
  let name = raw.normalize('NFC').replace(/[/\\]+/g, '-');
  name = name
    // Control characters (NUL included) and the characters Windows forbids.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/g, ' ')
    // Bidirectional overrides that make "cod.exe" look like "exe.doc".
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const ext = extension.toLowerCase();
  if (name.toLowerCase().endsWith(ext)) name = name.slice(0, name.length - ext.length);
  // No leading dots (hidden files, "..") or dashes (read as options on a command line), and no
  // trailing dots or spaces (Windows drops them).
  name = name.replace(/^[.\s-]+/, '').replace(/[.\s]+$/, '');
  const stem = name.split('.')[0] ?? '';
  if (reservedWindowsNames.test(stem.trim())) name = `_${name}`;
  name = cutToBytes(name, maxNameBytes - utf8Length(ext)).replace(/[.\s]+$/, '');
  if (name === '') name = safeFileName(fallback, '', 'file');
  return `${name}${ext}`;
}

/** A folder name for an account: the same rules, no extension. */
export function safeFolderName(raw: string, fallback = 'Account'): string {
  return safeFileName(raw, '', fallback);
}

/** The extensions of the files Billfold writes: only these stay after the number. */
const fileExtension = /\.(csv|pdf|json|parquet|zip|txt)$/i;

/**
 * `name.pdf` → `name (2).pdf`, `name (3).pdf` … for the n-th attempt (n ≥ 2). A folder has no
 * extension, and in a file name only a real one counts: `Acme v1.2` → `Acme v1.2 (2)`.
 */
export function numberedName(name: string, n: number, of: 'file' | 'folder' = 'file'): string {
  if (n < 2) return name;
  const ext = of === 'file' ? (fileExtension.exec(name)?.[0] ?? '') : '';
  const stem = name.slice(0, name.length - ext.length);
  const suffix = ` (${n})`;
  return `${cutToBytes(stem, maxNameBytes - utf8Length(suffix + ext))}${suffix}${ext}`;
}
