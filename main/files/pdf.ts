import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocDefinition } from 'pdfmake';
import { AppError } from '../http/errors';

export const statementFont = 'IPAGothic';
const fontFileName = 'ipag.ttf';

/**
 * Where the statement font is: beside this module when run from source (tests), in the
 * repository when run from `dist/` (harness, `npm start`), and in the app's resources folder
 * when packaged (electron-builder `extraResources`: main/files/fonts → fonts).
 */
export function fontCandidates(): string[] {
  const here = (() => {
    try {
      return path.dirname(fileURLToPath(import.meta.url));
    } catch {
      return __dirname;
    }
  })();
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  // From a bundle (dist/main/index.cjs, dist/harness/assets/*.cjs) the repository is a few folders up.
  const ancestors = [1, 2, 3, 4].map((up) => path.resolve(here, ...Array<string>(up).fill('..'), 'main', 'files', 'fonts', fontFileName));
  return [...(resources ? [path.join(resources, 'fonts', fontFileName)] : []), path.join(here, 'fonts', fontFileName), ...ancestors];
}

let fontBytes: Promise<Buffer> | undefined;

function loadFont(): Promise<Buffer> {
  const found = fontCandidates().find((candidate) => existsSync(candidate));
  if (!found) return Promise.reject(new AppError('internal', 'The font for PDF statements is missing from this installation.'));
  return fs.readFile(found);
}

/**
 * Renders a document with pdfmake. pdfmake and the font (6 MB) are loaded on the first
 * statement only. The document may reach neither the network nor the disk: images and fonts
 * come from memory.
 */
export async function renderPdf(doc: DocDefinition): Promise<Uint8Array> {
  const [{ default: pdfmake }, font] = await Promise.all([
    import('pdfmake'),
    (fontBytes ??= loadFont().catch((error: unknown) => {
      fontBytes = undefined;
      throw error;
    })),
  ]);
  if (!pdfmake.virtualfs.existsSync(fontFileName)) pdfmake.virtualfs.writeFileSync(fontFileName, font);
  pdfmake.setFonts({ [statementFont]: { normal: fontFileName, bold: fontFileName, italics: fontFileName, bolditalics: fontFileName } });
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy(() => false);
  const buffer = await pdfmake
    .createPdf({ ...doc, defaultStyle: { font: statementFont, fontSize: 10, ...doc.defaultStyle } })
    .getBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
