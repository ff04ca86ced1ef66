/** A CSV cell as the renderer sends it. */
export type CsvCell = string | number | boolean | null;

/**
 * Cells a spreadsheet would run as a formula get a leading apostrophe ("=cmd|…" → "'=cmd|…").
 * Plain signed numbers ("-12.50", "+81") are left alone, so amounts stay amounts.
 */
export const formulaLike = /^[=@\t\r]|^[+-](?![\d.,]*$)/;

/**
 * A table as CSV: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF line ends,
 * RFC 4180 quoting, formula-like cells marked. Written a chunk of rows at a time, so a table of
 * any size (every SIM of years of exports) is never one string: BOM and header first, then each
 * chunk.
 */
export async function* tableCsvChunks(columns: string[], rows: Iterable<CsvCell[]>, chunkRows = 2000): AsyncGenerator<Uint8Array> {
  const { default: Papa } = await import('papaparse');
  const encoder = new TextEncoder();
  const options = { newline: '\r\n', escapeFormulae: formulaLike, quotes: false, header: false };
  yield encoder.encode(`\uFEFF${Papa.unparse([columns], options)}\r\n`);
  let chunk: CsvCell[][] = [];
  const flush = () => {
    const bytes = encoder.encode(`${Papa.unparse(chunk, options)}\r\n`);
    chunk = [];
    return bytes;
  };
  for (const row of rows) {
    chunk.push(columns.map((_, i) => row[i] ?? null));
    if (chunk.length >= chunkRows) yield flush();
  }
  if (chunk.length > 0) yield flush();
}

/** `csvHasFormulas` for a file on disk, read as a stream. */
export async function csvFileHasFormulas(file: string): Promise<boolean> {
  const { default: Papa } = await import('papaparse');
  const { createReadStream } = await import('node:fs');
  return new Promise((resolve, reject) => {
    let found = false;
    const stream = createReadStream(file, { encoding: 'utf8' });
    stream.on('error', reject);
    Papa.parse<string[]>(stream, {
      skipEmptyLines: true,
      step: (row, parser) => {
        if (row.data.some((cell) => typeof cell === 'string' && formulaLike.test(cell.replace(/^\uFEFF/, '')))) {
          found = true;
          parser.abort();
          stream.destroy();
        }
      },
      complete: () => resolve(found),
      error: reject,
    });
  });
}

/** Whether a CSV has a cell a spreadsheet would run as a formula (see `formulaLike`). */
export async function csvHasFormulas(bytes: Uint8Array): Promise<boolean> {
  const { default: Papa } = await import('papaparse');
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
  let found = false;
  Papa.parse<string[]>(text, {
    skipEmptyLines: true,
    step: (row, parser) => {
      if (row.data.some((cell) => typeof cell === 'string' && formulaLike.test(cell))) {
        found = true;
        parser.abort();
      }
    },
  });
  return found;
}
