import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ErrorCode } from '../../../contract/errors';
import type { DownloadItem, DownloadSummary, UnfinishedDownload } from '../../../contract/models/download';
import { AppError } from '../../http/errors';
import { CliPartialFailure, CliUsageError } from '../context';
import { exitCodeForAll, exitCodes } from '../exit-codes';
import { monthArgument, withJson, type CliCommand } from '../kit';
import { formatBytes, table } from '../text';
import { chosenAccounts } from './sync';

function describe(s: DownloadSummary): string {
  const lines = [
    `${s.resumed ? 'Resumed: ' : ''}${s.fetched} fetched, ${s.skipped} already saved, ${s.failed} failed (${formatBytes(s.bytes)} from the providers)${s.cancelled ? '; cancelled: `billfold download --resume` goes on where it stopped' : ''}`,
    `  ${s.folder}`,
  ];
  const failed = s.items.filter((i) => i.state === 'failed');
  if (failed.length > 0) {
    lines.push('', 'Failed:', table(['ACCOUNT', 'DOCUMENT', 'REASON'], failed.map((i) => [i.accountName, i.label, `${i.reason?.code ?? '?'}: ${i.reason?.message ?? ''}`])));
  }
  const fetched = s.items.filter((i) => i.state === 'fetched');
  // Each account's documents are in a folder of its own: the path from the downloads folder says which.
  const where = (i: DownloadItem) => (i.path === undefined ? (i.fileName ?? '') : path.relative(s.folder, i.path));
  if (fetched.length > 0) lines.push('', 'Saved:', table(['ACCOUNT', 'DOCUMENT', 'FILE'], fetched.map((i) => [i.accountName, i.label, where(i)])));
  return lines.join('\n');
}

/** `billfold download --from YYYY-MM --to YYYY-MM [--account ID]`: every document of the period into the library. */
export const downloadCommand: CliCommand = ({ program, run }) => {
  withJson(
    program
      .command('download')
      .description('download every document of a period into the library: SpatialFlow invoice PDFs, Soracom detailed CSVs and statements, Agilicus usage statements')
      .option('--from <YYYY-MM>', 'first month', monthArgument)
      .option('--to <YYYY-MM>', 'last month (included)', monthArgument)
      .option('--account <id>', 'only this account (see `billfold accounts list`)')
      .option('--resume', 'go on with the download that did not finish (its period and account), instead of --from and --to')
      .addHelpText(
        'after',
        '\nDocuments already in the library (same provider document, same content) are skipped. An interrupted run (Ctrl+C, a crash, a quit of the window) goes on where it stopped with --resume, or when the same command is run again.',
      ),
  ).action(
    run(async (session, opts: { from?: string; to?: string; account?: string; resume?: boolean }) => {
      let request: { from: string; to: string; accountId?: string };
      if (opts.resume) {
        if (opts.from !== undefined || opts.to !== undefined || opts.account !== undefined) session.usage('--resume takes the period and account of the unfinished download: give it alone.');
        const unfinished = await session.services.router.handle('download.unfinished', {});
        if (!unfinished.ok) throw new AppError(unfinished.error.code, unfinished.error.message);
        const previous = unfinished.value as UnfinishedDownload | null;
        if (!previous) throw new CliUsageError('There is no unfinished download to resume.');
        request = { from: previous.from, to: previous.to, ...(previous.accountId === undefined ? {} : { accountId: previous.accountId }) };
      } else {
        if (opts.from === undefined || opts.to === undefined) throw new CliUsageError('Give the period with --from YYYY-MM and --to YYYY-MM (or --resume).');
        if (opts.from > opts.to) session.usage(`--to ${opts.to} is before --from ${opts.from}.`);
        request = { from: opts.from, to: opts.to, ...(opts.account === undefined ? {} : { accountId: opts.account }) };
      }
      // Checks the keychain, and that the account exists (else a usage error).
      await chosenAccounts(session, request.accountId);
      const taskId = `download-${randomUUID()}`;
      // Ctrl+C stops the run cleanly: what was saved stays, and the next run resumes.
      const onSignal = () => {
        session.warn('Stopping: what was saved stays; `billfold download --resume` goes on later.');
        void session.services.router.handle('files.cancel', { taskId });
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let answer;
      try {
        answer = await session.services.router.handle('download.everything', { ...request, taskId });
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
      if (!answer.ok) throw new AppError(answer.error.code, answer.error.message);
      const summary = answer.value as DownloadSummary;
      session.result(summary, () => describe(summary));
      if (summary.cancelled) throw new CliPartialFailure(exitCodes.failed);
      const failed = summary.items.flatMap((i) => (i.state === 'failed' && i.reason ? [i.reason.code as ErrorCode] : []));
      if (failed.length > 0) throw new CliPartialFailure(exitCodeForAll(failed));
    }),
  );
};
