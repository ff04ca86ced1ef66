import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import Papa from 'papaparse';
import { SCALE, toScaled } from './decimal';

type SchemaElement = NonNullable<Parameters<typeof parquetWrite>[0]['schema']>[number];

export type ColumnType = 'string' | 'decimal' | 'timestamp' | 'json' | 'int';
export interface TableColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
}
export type Cell = string | number | null | Record<string, unknown>;
export type TableFormat = 'csv' | 'parquet';

/**
 * Decimals are written as DECIMAL(38, 12) in Parquet (16-byte fixed-length two's complement):
 * one type for every cost, price and quantity column, wide enough for a byte count of a whole
 * fleet and for Soracom's per-byte prices (9 decimal places).
 */
export const DECIMAL_PRECISION = 38;
export const DECIMAL_SCALE = SCALE;

/** Cells a spreadsheet would run as a formula get a leading apostrophe; plain signed numbers are left alone. */
const formulaLike = /^[=@\t\r]|^[+-](?![\d.,]*$)/;

function csvCell(value: Cell): string | null {
  if (value === null) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * RFC 4180 CSV, LF line ends, null as an empty cell. UTF-8 without a byte-order mark (what cost
 * tools read) unless `forPeople`: then with one, so a double-click opens it in Excel as UTF-8
 * rather than Windows-1252 (accented account names readable).
 */
export function tableCsv(columns: readonly TableColumn[], rows: readonly Record<string, Cell>[], opts: { forPeople?: boolean } = {}): Uint8Array {
  const text = Papa.unparse(
    { fields: columns.map((c) => c.name), data: rows.map((r) => columns.map((c) => csvCell(r[c.name] ?? null))) },
    { newline: '\n', escapeFormulae: formulaLike, quotes: false },
  );
  return new TextEncoder().encode(`${opts.forPeople ? '\uFEFF' : ''}${text}\n`);
}

function schemaElement(column: TableColumn): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (column.type) {
    case 'decimal':
      return {
        name: column.name,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        converted_type: 'DECIMAL',
        precision: DECIMAL_PRECISION,
        scale: DECIMAL_SCALE,
        logical_type: { type: 'DECIMAL', precision: DECIMAL_PRECISION, scale: DECIMAL_SCALE },
        repetition_type,
      };
    case 'timestamp':
      return { name: column.name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' }, repetition_type };
    case 'json':
      return { name: column.name, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' }, repetition_type };
    case 'int':
      return { name: column.name, type: 'INT64', repetition_type };
    default:
      return { name: column.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
  }
}

function parquetValue(column: TableColumn, value: Cell): unknown {
  if (value === null) return null;
  switch (column.type) {
    case 'decimal':
      return toScaled(String(value));
    case 'timestamp':
      return new Date(String(value));
    case 'int':
      return BigInt(value as number);
    case 'json':
      return value;
    default:
      return String(value);
  }
}

/** Parquet through hyparquet-writer (snappy-compressed pages, column statistics). */
export function tableParquet(columns: readonly TableColumn[], rows: readonly Record<string, Cell>[], metadata: Record<string, string> = {}): Uint8Array {
  const writer = new ByteWriter();
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
  parquetWrite({
    writer,
    schema,
    columnData: columns.map((c) => ({ name: c.name, data: rows.map((r) => parquetValue(c, r[c.name] ?? null)) })),
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    createdBy: 'Billfold',
  });
  return new Uint8Array(writer.getBuffer());
}

export function tableBytes(format: TableFormat, columns: readonly TableColumn[], rows: readonly Record<string, Cell>[], metadata?: Record<string, string>): Uint8Array {
  return format === 'csv' ? tableCsv(columns, rows) : tableParquet(columns, rows, metadata);
}
