/**
 * A minimal, valid PDF 1.4 writer for sandbox invoices: one page, Helvetica,
 * plain text lines, a correct cross-reference table so viewers and
 * `pdftotext` read it without repair.
 */

export interface PdfLine {
  text: string;
  size?: number;
  bold?: boolean;
  /** Extra space before this line, in points. */
  gap?: number;
  /** Right-aligned column text on the same baseline. */
  right?: string;
}

function escapePdfText(s: string): string {
  // Only WinAnsi-safe ASCII: anything else becomes '?'.
  return s.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`);
}

/** Approximate Helvetica width (points per 1 pt of font size) for right alignment. */
function approxWidth(s: string, size: number): number {
  return s.length * size * 0.52;
}

export function buildPdf(lines: PdfLine[], title: string): Uint8Array {
  const pageWidth = 612;
  const left = 56;
  const rightEdge = pageWidth - 56;
  let y = 760;
  const ops: string[] = [];
  for (const line of lines) {
    const size = line.size ?? 10;
    y -= (line.gap ?? 0) + size * 1.45;
    const font = line.bold === true ? 'F2' : 'F1';
    ops.push(`BT /${font} ${size} Tf ${left} ${y.toFixed(1)} Td (${escapePdfText(line.text)}) Tj ET`);
    if (line.right !== undefined) {
      const x = rightEdge - approxWidth(line.right, size);
      ops.push(`BT /${font} ${size} Tf ${x.toFixed(1)} ${y.toFixed(1)} Td (${escapePdfText(line.right)}) Tj ET`);
    }
  }
  const stream = ops.join('\n');

  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${pageWidth} 792] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    `<< /Title (${escapePdfText(title)}) /Producer (SpatialFlow Billing) >>`,
  ];

  // Header with a binary comment so tools treat the file as binary.
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}
