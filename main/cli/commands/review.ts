import fs from 'node:fs/promises';
import path from 'node:path';
import type { ErrorInfo } from '../../../contract/errors';
import { formatMoney } from '../../../contract/money';
import type { ReviewOpened, ReviewReconciliation, ReviewSummary } from '../../../contract/models/review';
import { preliminaryBill } from '../../../contract/models/soracom';
import { describeIoError, errnoOf } from '../../fs/io-errors';
import { AppError } from '../../http/errors';
import { CliPartialFailure } from '../context';
import { exitCodeForAll } from '../exit-codes';
import { withJson, type CliCommand } from '../kit';
import { formatAmount, formatBytes, table } from '../text';

export interface ReviewedFile {
  file: string;
  ok: boolean;
  fileName?: string;
  size?: number;
  columns?: string[];
  summary?: ReviewSummary;
  reconciliation?: ReviewReconciliation;
  error?: ErrorInfo;
}

function describe(r: ReviewedFile): string {
  if (!r.ok || !r.summary) return `${r.file}\n  could not be reviewed (${r.error?.code ?? '?'}): ${r.error?.message ?? ''}`;
  const s = r.summary;
  // The file does not say its currency: as in the window, it is the month's bill's, or unknown.
  const billCurrencies = [...new Set(r.reconciliation?.matches.map((m) => m.bill.currency) ?? [])];
  const currency = billCurrencies.length === 1 ? billCurrencies[0] : undefined;
  const unknown = currency === undefined ? ' (currency unknown: the file does not say it, and no bill of the month says it)' : '';
  const lines = [
    `${r.fileName ?? r.file} (${formatBytes(r.size ?? 0)})`,
    `  ${s.rows} rows, ${s.malformedRows} malformed; total ${formatAmount(s.total, currency)}${unknown}${s.month ? ` for ${s.month.slice(0, 4)}-${s.month.slice(4)}` : ''}`,
    ...s.notes.map((note) => `  Note: ${note}`),
  ];
  if (s.byItem.length > 0) {
    lines.push(
      table(
        ['  ITEM', 'AMOUNT', 'ROWS'],
        s.byItem.slice(0, 12).map((t) => [`  ${t.key || '(none)'}`, formatAmount(t.amount, currency), formatAmount(String(t.rows))]),
        { right: [1, 2] },
      ),
    );
  }
  for (const note of s.capsReached ?? []) lines.push(`  ${note}`);
  const rec = r.reconciliation;
  if (rec?.reason) lines.push(`  Reconciliation: ${rec.reason}`);
  for (const m of rec?.matches ?? []) {
    const same = m.difference.minor === 0;
    const preliminary = preliminaryBill(m.state);
    lines.push(
      `  Against ${m.accountName}'s bill (${m.source}): bill ${formatMoney(m.bill)}, file ${formatMoney(m.csvTotal)}, ${same ? 'they match' : `difference ${formatMoney(m.difference)}`}${preliminary ? `; the bill is ${preliminary}: it may still change until the month is closed` : ''}`,
    );
  }
  for (const u of rec?.unavailable ?? []) lines.push(`  ${u.accountName}: no bill to compare (${u.message})`);
  return lines.join('\n');
}

/**
 * The file a path on the command line names, or what is wrong with it. To a page the review
 * service says only "cannot review this file" (a page must not learn what is on the disk by
 * trying names); the command line is the user's own, so it says which: a path that does not exist
 * or a folder is a wrong command line, and a file that is not a bill says why (its name need not
 * end in .csv). A link is followed, as other command-line tools do.
 */
async function reviewable(file: string): Promise<{ path: string } | { error: ErrorInfo }> {
  const usage = (message: string) => ({ error: { code: 'invalid_args' as const, message } });
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const link = await fs.lstat(file).catch(() => undefined);
      return usage(link?.isSymbolicLink() ? `${file} is a link to a file that does not exist.` : `${file} does not exist.`);
    }
    if (code === 'ELOOP') return usage(`${file} is a link that leads back to itself.`);
    return { error: { code: 'io_error', message: `Billfold could not read ${file}: ${describeIoError(error)}` } };
  }
  const stat = await fs.stat(real).catch(() => undefined);
  if (stat?.isDirectory()) return usage(`${file} is a folder; give the CSV files in it.`);
  if (stat && !stat.isFile()) return usage(`${file} is not a file.`);
  return { path: real };
}

/** `billfold review FILE...`: totals of Soracom detailed billing CSVs, reconciled against the bills. */
export const reviewCommand: CliCommand = ({ program, run }) => {
  withJson(
    program
      .command('review')
      .description('summarize Soracom detailed billing CSV files: totals by item, malformed rows, and the total against the month’s bill')
      .argument('<file...>', 'one or more CSV files'),
  ).action(
    run(async (session, files: string[]) => {
      const results: ReviewedFile[] = [];
      for (const file of files) {
        const checked = await reviewable(path.resolve(file));
        if ('error' in checked) {
          results.push({ file, ok: false, error: checked.error });
          continue;
        }
        session.progress(`Reading ${path.basename(checked.path)}…`);
        let opened: ReviewOpened | undefined;
        try {
          opened = await session.services.review.open(checked.path);
          const summary = await session.services.review.summary(opened.sessionId);
          const reconciliation = await session.services.review.reconcile(opened.sessionId);
          results.push({ file, ok: true, fileName: opened.fileName, size: opened.size, columns: opened.columns, summary, reconciliation });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          results.push({ file, ok: false, error: error.toInfo() });
        } finally {
          if (opened) session.services.review.close(opened.sessionId);
        }
      }
      session.result({ files: results }, () => results.map(describe).join('\n\n'));
      const failed = results.flatMap((r) => (r.error ? [r.error.code] : []));
      if (failed.length > 0) throw new CliPartialFailure(exitCodeForAll(failed));
    }),
  );
};
