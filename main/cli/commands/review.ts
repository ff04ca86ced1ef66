import path from 'node:path';
import type { ErrorInfo } from '../../../contract/errors';
import { formatMoney } from '../../../contract/money';
import type { ReviewOpened, ReviewReconciliation, ReviewSummary } from '../../../contract/models/review';
import { AppError } from '../../http/errors';
import { CliPartialFailure } from '../context';
import { exitCodeForAll } from '../exit-codes';
import { withJson, type CliCommand } from '../kit';
import { formatBytes, table } from '../text';

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
  const lines = [
    `${r.fileName ?? r.file} (${formatBytes(r.size ?? 0)})`,
    `  ${s.rows} rows, ${s.malformedRows} malformed; total ${s.total} ${s.currency.code}${s.month ? ` for ${s.month.slice(0, 4)}-${s.month.slice(4)}` : ''}`,
  ];
  if (s.byItem.length > 0) {
    lines.push(
      table(
        ['  ITEM', 'AMOUNT', 'ROWS'],
        s.byItem.slice(0, 12).map((t) => [`  ${t.key || '(none)'}`, t.amount, String(t.rows)]),
      ),
    );
  }
  const rec = r.reconciliation;
  if (rec?.reason) lines.push(`  Reconciliation: ${rec.reason}`);
  for (const m of rec?.matches ?? []) {
    const same = m.difference.minor === 0;
    lines.push(
      `  Against ${m.accountName}'s bill (${m.source}): bill ${formatMoney(m.bill)}, file ${formatMoney(m.csvTotal)}, ${same ? 'they match' : `difference ${formatMoney(m.difference)}`}`,
    );
  }
  for (const u of rec?.unavailable ?? []) lines.push(`  ${u.accountName}: no bill to compare (${u.message})`);
  return lines.join('\n');
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
        const full = path.resolve(file);
        session.progress(`Reading ${path.basename(full)}…`);
        let opened: ReviewOpened | undefined;
        try {
          opened = await session.services.review.open(full);
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
