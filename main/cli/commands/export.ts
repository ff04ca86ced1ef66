import fs from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import type { FocusExportResult } from '../../../contract/models/archive';
import { monthArgument, withJson, type CliCommand } from '../kit';
import { table } from '../text';
import type { CliSession } from '../context';

function describe(r: FocusExportResult): string {
  const lines = [`FOCUS ${r.period} (${r.format}): ${r.costRows} cost row${r.costRows === 1 ? '' : 's'}`, `  ${r.location}`];
  if (r.usage) lines.push(`Agilicus usage: ${r.usage.rows} record${r.usage.rows === 1 ? '' : 's'}`, `  ${r.usage.location}`);
  if (r.invoices.length > 0) {
    lines.push('', table(['PROVIDER', 'ACCOUNT', 'INVOICE', 'BILLED', 'TOTAL', 'CURRENCY'], r.invoices.map((i) => [i.provider, i.accountName, i.invoiceId, i.billed, i.total ?? '?', i.currency])));
  }
  if (r.missing.length > 0) lines.push('', 'Missing (not in the export):', ...r.missing.map((m) => `  ${m}`));
  if (r.notes.length > 0) lines.push('', 'Notes:', ...r.notes.map((n) => `  ${n}`));
  return lines.join('\n');
}

type FocusFormat = 'csv' | 'parquet';

/**
 * Refuses an `--out` a script did not mean: a name whose extension is the other format's (Parquet
 * in `costs.csv`), or a folder, for the cost file or its `.usage` twin. Any other name is written as given.
 */
async function checkOut(session: CliSession, out: string, format: FocusFormat): Promise<void> {
  const other: FocusFormat = format === 'csv' ? 'parquet' : 'csv';
  if (path.extname(out).toLowerCase() === `.${other}`) {
    session.usage(`--out ${out} ends in .${other}, but --format is ${format}: name the file .${format}, or give --format ${other}.`);
  }
  const { usageFileFor } = await import('../../archive/export');
  const usage = usageFileFor(path.resolve(out));
  const notAFile = async (file: string) => {
    const stat = await fs.stat(file).catch(() => undefined);
    return stat === undefined || stat.isFile() ? undefined : stat.isDirectory() ? 'a folder' : 'not a file';
  };
  const outIs = await notAFile(out);
  if (outIs === 'a folder') session.usage(`--out ${out} is a folder: give the file to write, such as ${path.join(out, `focus.${format}`)}.`);
  if (outIs !== undefined) session.usage(`--out ${out} is not a file.`);
  const usageIs = await notAFile(usage);
  if (usageIs !== undefined) session.usage(`${usage} is ${usageIs}, and the Agilicus usage of --out ${out} is written there: choose another --out.`);
}

/** `billfold export focus --from --to --format --out`: a FOCUS 1.2 cost file of all accounts. */
export const exportCommand: CliCommand = ({ program, run }) => {
  const exportGroup = program.command('export').description('export data in formats other tools read');
  withJson(
    exportGroup
      .command('focus')
      .description('write the costs of all accounts as FinOps FOCUS 1.2 (CSV or Parquet); Agilicus usage goes to FILE’s .usage twin')
      .requiredOption('--from <YYYY-MM>', 'first month', monthArgument)
      .requiredOption('--to <YYYY-MM>', 'last month (inclusive)', monthArgument)
      .addOption(new Option('--format <format>', 'csv or parquet').choices(['csv', 'parquet']).makeOptionMandatory())
      .requiredOption('--out <file>', 'the file to write (replaced if it exists); a .csv or .parquet name must match --format'),
  ).action(
    run(async (session, opts: { from: string; to: string; format: FocusFormat; out: string }) => {
      if (opts.to < opts.from) session.usage(`--to (${opts.to}) is before --from (${opts.from}).`);
      await checkOut(session, opts.out, opts.format);
      const result = await session.services.archive.exportFocusTo(opts.out, { from: opts.from, to: opts.to, format: opts.format, onProgress: (p) => session.progress(p.label) });
      session.result(result, () => describe(result));
    }),
  );
};
