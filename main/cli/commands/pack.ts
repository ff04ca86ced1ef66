import { withJson, type CliCommand } from '../kit';
import { formatAmount, formatBytes, table } from '../text';
import type { ArchivePackResult } from '../../../contract/models/archive';

function describe(p: ArchivePackResult): string {
  const lines = [`Pack ${p.period}: ${p.documents} document${p.documents === 1 ? '' : 's'}, ${formatBytes(p.bytes)}`, `  ${p.location}`];
  if (p.zip) lines.push(`  ${p.zip.location} (${formatBytes(p.zip.bytes)})`);
  if (p.checks.length > 0) {
    const amount = (value: string | undefined, currency: string | undefined) => (value === undefined ? '' : formatAmount(value, currency));
    lines.push(
      '',
      table(
        ['CHECK', 'STATUS', 'EXPECTED', 'ACTUAL'],
        p.checks.map((c) => [`${c.accountName}: ${c.subject}`, c.status, amount(c.expected, c.currency), amount(c.actual, c.currency)]),
        { right: [2, 3] },
      ),
    );
  }
  if (p.missing.length > 0) lines.push('', 'Missing:', ...p.missing.map((m) => `  ${m}`));
  if (p.notes.length > 0) lines.push('', 'Notes:', ...p.notes.map((n) => `  ${n}`));
  return lines.join('\n');
}

/** `billfold pack PERIOD [--zip]`: the period pack of a month or a quarter, from the Library. */
export const packCommand: CliCommand = ({ program, run }) => {
  withJson(
    program
      .command('pack')
      .description('write Packs/<period>/ in the downloads folder: every saved document of a month or quarter, index.csv, reconciliation.csv, SHA256SUMS')
      .argument('<period>', 'a month (2026-10) or a quarter (2026-Q3)')
      .option('--zip', 'also write Packs/<period>.zip'),
  ).action(
    run(async (session, period: string, opts: { zip?: boolean }) => {
      if (!/^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/.test(period)) session.usage(`“${period}” is not a period: use a month such as 2026-10 or a quarter such as 2026-Q3.`);
      const result = await session.services.archive.pack(period, { zip: opts.zip === true, onProgress: (p) => session.progress(p.total ? `${p.label} (${p.done}/${p.total})` : p.label) });
      session.result(result, () => describe(result));
    }),
  );
};
