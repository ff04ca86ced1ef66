import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { ArchiveCheck } from '../../contract/models/archive';
import type { AccountSummary } from '../../contract/models/app';
import { providerNames } from '../../contract/models/app';
import { savedFileKindLabels, type SavedFile } from '../../contract/models/files';
import { minorDigits } from '../../contract/money';
import { preliminaryBill, type SoracomMonthlyBill } from '../../contract/models/soracom';
import type { SpatialFlowInvoice } from '../../contract/models/spatialflow';
import { AppError } from '../http/errors';
import { defaultCurrencyFor } from '../providers/soracom/client';
import { numberedName, safeFolderName } from '../files/safe-name';
import { agilicusStatementAccount } from '../files/document-source';
import { describeIoError, errnoOf, makeFolder, writeFailure } from '../fs/io-errors';
import { fromScaledFixed, minorToScaled } from './decimal';
import { finalInvoiceStatuses } from './focus';
import { dashed, monthBegun, parsePeriod, periodNotOver, periodPattern, refuseNotBegun, type Period } from './period';
import { readSoracomCsv } from './soracom-csv';
import { agilicusUsage, byCodePoint, invoiceMonth, invoiceOfFile, overlaps, removedAccounts, soracomBills, spatialflowInvoices, spatialflowListReach, type ArchiveSourceDeps } from './sources';
import { tableCsv, type TableColumn } from './table-write';

/**
 * A period pack: every document of a month or a quarter from every account, copied (hard-linked
 * where the file system allows) from the Library into `Packs/<period>/`, with an index, a
 * reconciliation summary and a SHA256SUMS file, written into a temporary folder and renamed into
 * place, so there is never half a pack. Built only from what Billfold holds: the same Library
 * gives the same index.csv, byte for byte.
 */

export interface PackDocument {
  provider: string;
  /** The account the file was saved from (a removed account is named as the Library recorded it). */
  account: Pick<AccountSummary, 'id' | 'name' | 'provider'>;
  file: SavedFile;
  kind: string;
  providerId: string;
  period: string;
  amount?: string;
  currency?: string;
  /** Path inside the pack, with forward slashes. */
  packPath: string;
  sha256?: string;
}

export interface PackOutcome {
  period: Period;
  dir: string;
  documents: PackDocument[];
  bytes: number;
  checks: ArchiveCheck[];
  missing: string[];
  /** What the accountant should know about documents in the pack (notes.txt), then what replacing the previous pack did. */
  notes: string[];
  indexSha256: string;
  zip?: { file: string; bytes: number };
}

export interface PackDeps extends ArchiveSourceDeps {
  /** Billfold's downloads folder; packs go to `<it>/Packs/`. */
  root: () => Promise<string>;
  onProgress?: (done: number, total: number, what: string) => void;
  signal?: AbortSignal;
}

const packsFolder = (root: string) => path.join(root, 'Packs');

const indexColumns: TableColumn[] = ['provider', 'account', 'document kind', 'provider id', 'period', 'amount', 'currency', 'file', 'sha256'].map((name) => ({
  name,
  type: 'string',
  nullable: true,
}));
const checkColumns: TableColumn[] = ['provider', 'account', 'check', 'status', 'expected', 'actual', 'currency', 'note'].map((name) => ({ name, type: 'string', nullable: true }));

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

const money = (minor: number, currency: string) => fromScaledFixed(minorToScaled(minor, minorDigits(currency)), minorDigits(currency));

/**
 * "Download everything" makes a usage statement of every billing account and month with usage:
 * those the synced usage records call for and the Library does not hold. A statement of all the
 * usage (saved from the window) covers the months it spans.
 */
async function missingUsageStatements(deps: ArchiveSourceDeps, account: AccountSummary, mine: SavedFile[], period: Period): Promise<string[]> {
  const out: { month: string; billingAccountId: string; line: string }[] = [];
  const statements = mine.filter((f) => f.kind === 'statement-pdf');
  for (const s of await agilicusUsage(deps, account)) {
    const months = new Set(s.usage.records.flatMap((r) => (r.date === null ? [] : [r.date.slice(0, 7)])).filter((m) => period.months.includes(m.replace('-', ''))));
    for (const month of months) {
      const held = statements.some((f) => {
        if (!overlaps(f.period, parsePeriod(month))) return false;
        const billingAccount = agilicusStatementAccount(f.source?.key);
        // Saved before statements recorded their source: named after the customer.
        return billingAccount === undefined ? s.customerName !== null && f.fileName.includes(s.customerName) : billingAccount === s.billingAccountId;
      });
      const customer = s.customerName ? ` (${s.customerName})` : '';
      if (!held) out.push({ month, billingAccountId: s.billingAccountId, line: `${account.name}: the ${month} usage statement of billing account ${s.billingAccountId}${customer} is not in the Library.` });
    }
  }
  return out.sort((a, b) => byCodePoint(a.month, b.month) || byCodePoint(a.billingAccountId, b.billingAccountId)).map((m) => m.line);
}

/**
 * Is `f` the PDF of `inv`? By its source key when it has one (a PDF saved for another invoice is
 * never this one's); otherwise by the invoice number (or id) as its recorded period, or as a whole
 * token of its file name: INV-1 is in "Invoice-INV-1.pdf" and "Invoice-INV-1 (2).pdf", never in
 * "Invoice-INV-10.pdf" or "Invoice-INV-1-2.pdf".
 */
export function isInvoicePdf(f: SavedFile, inv: SpatialFlowInvoice): boolean {
  if (f.kind !== 'invoice-pdf') return false;
  const key = f.source?.key;
  if (key?.startsWith('spatialflow:invoice:')) return key === `spatialflow:invoice:${inv.id}`;
  if ((inv.number !== '' && f.period === inv.number) || f.period === inv.id) return true;
  const id = inv.number || inv.id;
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?<!\\p{N}[-_.])${escaped}(?![\\p{L}\\p{N}])(?![-_.]\\p{N})`, 'u').test(f.fileName);
}

/** Every document of the period, what it is, and what the period lacks; nothing is written. */
export async function planPack(deps: ArchiveSourceDeps, period: Period): Promise<{ documents: PackDocument[]; checks: ArchiveCheck[]; missing: string[] }> {
  const accounts = [...(await deps.listAccounts())].sort((a, b) => byCodePoint(a.name, b.name) || byCodePoint(a.id, b.id));
  const files = (await deps.libraryFiles()).filter((f) => f.accountId !== undefined);
  const documents: PackDocument[] = [];
  const checks: ArchiveCheck[] = [];
  const missing: string[] = [];
  const now = deps.now?.() ?? new Date();
  const notOver = periodNotOver(period, now, `Build the ${period.label} pack again`);
  if (notOver !== undefined) missing.push(notOver);
  // Folder names in the pack: the account's name, numbered until it differs from every name
  // given so far (ignoring case), so an account really named "Acme (2)" never shares a folder
  // with the second "Acme".
  const folderNames = new Map<string, string>();
  const given = new Set<string>();
  const removed = removedAccounts(files, accounts).sort((a, b) => byCodePoint(a.name, b.name) || byCodePoint(a.id, b.id));
  for (const a of [...accounts, ...removed]) {
    const base = safeFolderName(a.name);
    let name = base;
    for (let n = 2; given.has(name.toLowerCase()); n++) name = numberedName(base, n, 'folder');
    given.add(name.toLowerCase());
    folderNames.set(a.id, name);
  }
  const docOf = (account: PackDocument['account'], file: SavedFile, extra: Omit<PackDocument, 'provider' | 'account' | 'file' | 'packPath' | 'kind'>): PackDocument => ({
    provider: providerNames[account.provider],
    account,
    file,
    kind: savedFileKindLabels[file.kind],
    packPath: ['documents', providerNames[account.provider], folderNames.get(account.id) as string, file.fileName].join('/'),
    ...extra,
  });

  // A removed account's kept files, packed by the period they were saved with. Nothing can be
  // checked (its bills and invoices went with it), which missing.txt says rather than leaving them out.
  for (const r of removed) {
    const provider = r.provider;
    const mine = r.files.filter((f) => overlaps(f.period, period)).sort((a, b) => byCodePoint(a.fileName, b.fileName));
    if (provider === undefined) {
      if (mine.length > 0) missing.push(`${r.name}: this account has been removed, and which provider its ${mine.length} saved file(s) of ${period.label} came from is not known, so they are not packed.`);
      continue;
    }
    const account = { id: r.id, name: r.name, provider };
    for (const f of mine) {
      const providerId =
        f.kind === 'invoice-pdf'
          ? (invoiceOfFile(f).number ?? invoiceOfFile(f).id ?? f.fileName)
          : provider === 'agilicus'
            ? (agilicusStatementAccount(f.source?.key) ?? '')
            : `bill ${(f.period ?? '').replace('-', '')}`;
      documents.push(docOf(account, f, { providerId, period: f.period ?? '' }));
    }
    const unplaced = r.files.filter((f) => f.kind === 'invoice-pdf' && (f.period === undefined || !/^\d{4}-\d{2}$/.test(f.period)));
    if (mine.length === 0 && unplaced.length === 0) continue;
    const packed = mine.length > 0 ? `its ${mine.length} saved document(s) of ${period.label} are packed as they were saved, without amounts: ` : '';
    const unknown = unplaced.length > 0 ? ` ${unplaced.length} saved invoice PDF(s) of it have no known period and are not packed.` : '';
    missing.push(`${r.name}: this account has been removed, so ${packed}Billfold holds none of its bills or invoices to check them against, nor to tell what else the period lacks.${unknown}`);
  }

  for (const account of accounts) {
    const mine = files.filter((f) => f.accountId === account.id).sort((a, b) => byCodePoint(a.fileName, b.fileName));
    if (account.provider === 'soracom') {
      const bills = await soracomBills(deps, account);
      for (const yyyyMM of period.months) {
        const label = dashed(yyyyMM);
        if (!monthBegun(yyyyMM, now)) continue;
        const bill: SoracomMonthlyBill | undefined = bills.get(yyyyMM);
        const billed = bill?.amount ?? undefined;
        const currency = billed?.currency ?? defaultCurrencyFor(account.baseUrl);
        const csvs = mine.filter((f) => f.kind === 'bill-csv' && f.period === label);
        for (const f of mine.filter((x) => x.kind === 'statement-pdf' && x.period === label)) {
          documents.push(docOf(account, f, { providerId: `bill ${yyyyMM}`, period: label, ...(billed ? { amount: money(billed.minor, currency), currency } : {}) }));
        }
        for (const f of csvs) {
          let total: string | undefined;
          try {
            const csv = await readSoracomCsv(f.path);
            total = fromScaledFixed(csv.total, minorDigits(currency));
          } catch {
            total = undefined;
          }
          documents.push(docOf(account, f, { providerId: `bill ${yyyyMM}`, period: label, ...(total !== undefined ? { amount: total, currency } : {}) }));
          const check: ArchiveCheck = { provider: 'Soracom', accountName: account.name, subject: `${label} detailed CSV ${f.fileName} against the bill`, status: 'missing', currency };
          if (total !== undefined) check.actual = total;
          if (billed) check.expected = money(billed.minor, currency);
          if (!bill) check.note = 'No bill for this month has been synced.';
          else if (!billed) check.note = 'The bill came without an amount, so there is nothing to check against.';
          else if (total === undefined) check.note = 'The CSV could not be read.';
          else {
            check.status = check.expected === total ? 'match' : 'differs';
            // A match with a bill that is not closed is not final either: both may still change.
            if (preliminaryBill(bill.state)) check.note = `The bill is ${preliminaryBill(bill.state)}: it may still change until the month is closed.`;
            else if (check.status === 'differs') check.note = bill.state === 'closed' ? 'The bill includes charges the CSV does not list (tax, coupons).' : 'The bill does not say whether it is final.';
          }
          checks.push(check);
        }
        if (bill && preliminaryBill(bill.state)) missing.push(`${account.name}: the final ${label} bill. The bill Billfold holds is ${preliminaryBill(bill.state)} and may still change until the month is closed.`);
        if (csvs.length === 0 && bill) {
          checks.push({ provider: 'Soracom', accountName: account.name, subject: `${label} detailed CSV against the bill`, status: 'missing', ...(billed ? { expected: money(billed.minor, currency) } : {}), currency, note: 'No detailed CSV of this month is in the Library.' });
          missing.push(`${account.name}: the ${label} detailed billing CSV is not in the Library.`);
        }
        if (csvs.length === 0 && !bill) missing.push(`${account.name}: neither the ${label} bill nor its detailed CSV is in Billfold (sync the account and save the month’s export).`);
        // "Download everything" makes a statement of every month with a bill.
        if (bill && !mine.some((x) => x.kind === 'statement-pdf' && x.period === label)) missing.push(`${account.name}: the ${label} statement PDF is not in the Library.`);
      }
    } else if (account.provider === 'spatialflow') {
      const invoices = await spatialflowInvoices(deps, account);
      if (invoices.length === 0) missing.push(`${account.name}: no invoices have been synced.`);
      const reach = await spatialflowListReach(deps, account);
      if (invoices.length > 0 && !reach.listed) missing.push(`${account.name}: the list of invoices has not been synced, only single invoices: other invoices of ${period.label} may exist, unchecked.`);
      if (reach.unsyncedBefore !== undefined && Date.parse(period.start) < Date.parse(reach.unsyncedBefore)) {
        missing.push(`${account.name}: invoices before ${reach.unsyncedBefore.slice(0, 10)} have not been synced (a sync keeps the newest ones): those of ${period.label} are not looked for and their amounts are not checked.`);
      }
      const inPeriod = invoices.filter((i) => period.months.includes(invoiceMonth(i)));
      const pdfFor = (inv: SpatialFlowInvoice) => mine.filter((f) => isInvoicePdf(f, inv));
      for (const inv of inPeriod) {
        const currency = inv.amountDue.currency;
        const label = dashed(invoiceMonth(inv));
        const pdfs = pdfFor(inv);
        for (const f of pdfs) documents.push(docOf(account, f, { providerId: inv.number || inv.id, period: label, amount: money(inv.amountDue.minor, currency), currency }));
        if (!finalInvoiceStatuses.has(inv.status)) continue;
        const lines = inv.lines.reduce((s, l) => s + l.amount.minor, 0);
        const check: ArchiveCheck = {
          provider: 'SpatialFlow',
          accountName: account.name,
          subject: `invoice ${inv.number || inv.id} against its line items`,
          status: lines === inv.amountDue.minor ? 'match' : 'differs',
          expected: money(inv.amountDue.minor, currency),
          actual: money(lines, currency),
          currency,
        };
        if (pdfs.length === 0) {
          check.note = 'Its PDF is not in the Library.';
          missing.push(`${account.name}: the PDF of invoice ${inv.number || inv.id} is not in the Library.`);
        }
        checks.push(check);
      }
      // Invoice PDFs whose invoice has not been synced cannot be placed in a period.
      const known = new Set(invoices.flatMap((i) => pdfFor(i).map((f) => f.id)));
      const unplaced = mine.filter((f) => f.kind === 'invoice-pdf' && !known.has(f.id));
      // Downloaded in bulk, a PDF knows its month and its invoice even when the invoice was never synced.
      for (const f of unplaced.filter((x) => x.period !== undefined && /^\d{4}-\d{2}$/.test(x.period) && overlaps(x.period, period))) {
        const which = invoiceOfFile(f);
        const invoiceId = which.number ?? which.id ?? f.fileName;
        documents.push(docOf(account, f, { providerId: invoiceId, period: f.period as string }));
        const name = which.number ?? which.id;
        const subject = name === undefined ? `invoice PDF ${f.fileName} against its line items` : `invoice ${name} against its line items`;
        checks.push({ provider: 'SpatialFlow', accountName: account.name, subject, status: 'missing', note: 'The invoice has not been synced, so its amount is not known here.' });
        missing.push(`${account.name}: ${name === undefined ? f.fileName : `invoice ${name} (${f.fileName})`} has not been synced, so its amount could not be checked.`);
      }
      const unknown = unplaced.filter((x) => x.period === undefined || !/^\d{4}-\d{2}$/.test(x.period));
      if (unknown.length > 0) missing.push(`${account.name}: ${unknown.length} saved invoice PDF(s) belong to invoices that have not been synced, so their period is unknown.`);
    } else {
      for (const f of mine.filter((x) => x.kind === 'statement-pdf' && overlaps(x.period, period))) {
        // Its billing account, from its source key `agilicus:usage-statement:<billing account>:<month or all>`.
        documents.push(docOf(account, f, { providerId: agilicusStatementAccount(f.source?.key) ?? '', period: f.period ?? '' }));
      }
      missing.push(...(await missingUsageStatements(deps, account, mine, period)));
    }
  }
  documents.sort((a, b) => byCodePoint(a.packPath, b.packPath));
  // Two Library files with one name (saved from two accounts of one name) never collide in the pack.
  const seen = new Set<string>();
  for (const d of documents) {
    let candidate = d.packPath;
    for (let n = 2; seen.has(candidate.toLowerCase()); n++) candidate = d.packPath.replace(/(\.[^./]+)?$/, (ext) => ` (${n})${ext}`);
    d.packPath = candidate;
    seen.add(candidate.toLowerCase());
  }
  return { documents, checks, missing };
}

const isFullOrReadOnly = (error: unknown) => ['ENOSPC', 'EDQUOT', 'EROFS'].includes(errnoOf(error) ?? '');

async function linkOrCopy(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    await fs.link(from, to);
  } catch {
    await fs.copyFile(from, to, fs.constants.COPYFILE_EXCL);
  }
}

/**
 * `rm -rf` of what Billfold moved aside, making folders the user made read-only writable first
 * (its own files). The error of the first entry that cannot be deleted, or undefined.
 */
async function removeTree(target: string): Promise<unknown> {
  const gone = (error: unknown) => {
    if (errnoOf(error) !== 'ENOENT') throw error;
  };
  const remove = async (entry: string): Promise<void> => {
    const stat = await fs.lstat(entry).catch(gone);
    if (!stat) return;
    if (!stat.isDirectory()) return fs.unlink(entry).catch(gone);
    if ((stat.mode & 0o700) !== 0o700) await fs.chmod(entry, stat.mode | 0o700).catch(() => undefined);
    for (const name of (await fs.readdir(entry).catch(gone)) ?? []) await remove(path.join(entry, name));
    await fs.rmdir(entry).catch(gone);
  };
  return remove(target).then(
    () => undefined,
    (error: unknown) => error,
  );
}

const leftOver = (what: string, file: string, error: unknown) =>
  `Billfold could not delete ${what}, ${file} (${describeIoError(error).replace(/\.$/, '')}). Delete it yourself.`;

/** Swaps of one pack in this process, so two builds of one period take turns to move folders. */
const swaps = new Map<string, Promise<unknown>>();

function oneSwapAtATime<T>(target: string, swap: () => Promise<T>): Promise<T> {
  const mine = (swaps.get(target) ?? Promise.resolve()).then(swap, swap);
  swaps.set(target, mine);
  return mine.finally(() => {
    if (swaps.get(target) === mine) swaps.delete(target);
  });
}

/**
 * Puts the fresh folder (and zip) in place of the previous pack's: both or neither. The previous
 * folder and zip are moved aside first and put back if any move fails; a previous zip is removed
 * even when no new zip was asked for, since it no longer matches the folder. Deleting what was moved
 * aside comes last and may fail (a read-only old pack): the pack is in place all the same, and the
 * answer says what is left over.
 */
async function replacePack(label: string, fresh: { dir: string; zip?: string }, target: { dir: string; zip: string }): Promise<string[]> {
  const old = path.join(path.dirname(target.dir), `.${label}.old-${randomBytes(4).toString('hex')}`);
  const oldZip = `${old}.zip`;
  const moved: [from: string, to: string][] = [];
  const move = async (from: string, to: string, mayBeMissing = false): Promise<boolean> => {
    try {
      await fs.rename(from, to);
    } catch (error) {
      if (mayBeMissing && errnoOf(error) === 'ENOENT') return false;
      throw error;
    }
    moved.push([from, to]);
    return true;
  };
  const { hadDir, hadZip } = await oneSwapAtATime(target.dir, async () => {
    // The previous pack's age must count from now, not from the day it was built: a build that
    // starts meanwhile (in this Billfold or another) deletes what earlier builds left an hour
    // ago. Set before the move, so it never shows under its aside name with its old age (if the
    // swap is undone, the previous pack keeps the new time).
    const now = new Date();
    for (const previous of [target.dir, target.zip]) await fs.utimes(previous, now, now).catch(() => undefined);
    try {
      const hadDir = await move(target.dir, old, true);
      const hadZip = await move(target.zip, oldZip, true);
      await move(fresh.dir, target.dir);
      if (fresh.zip) await move(fresh.zip, target.zip);
      return { hadDir, hadZip };
    } catch (error) {
      for (const [from, to] of moved.reverse()) await fs.rename(to, from).catch(() => undefined);
      throw error;
    }
  });
  const notes: string[] = [];
  if (hadZip && !fresh.zip) notes.push(`The previous ${path.basename(target.zip)} was removed: it held the pack as it was before. Build the pack again with a zip to have one of this pack.`);
  if (hadDir) {
    const error = await removeTree(old);
    if (error !== undefined) notes.push(leftOver('the previous pack', old, error));
  }
  if (hadZip) {
    const error = await removeTree(oldZip);
    if (error !== undefined) notes.push(leftOver('the previous zip', oldZip, error));
  }
  return notes;
}

const closed = (stream: Readable | Writable) => (stream.closed ? undefined : new Promise((resolve) => stream.once('close', resolve)));

/**
 * Zips the pack's files into `file`. Whatever fails (a file of the pack that cannot be read, the
 * disk) fails the returned promise, once every file it opened is closed. yazl would report its
 * own failures as an 'error' event of the zip, which nothing else listens to, and leave the file
 * it was reading open when its output fails, holding the space of a copy the build then deletes.
 */
async function writeZip(dir: string, label: string, relFiles: string[], file: string, mtime: Date): Promise<void> {
  const zip = new yazl.ZipFile();
  // A PassThrough, typed as any readable.
  const zipped = zip.outputStream as Readable;
  const reading = new Set<ReadStream>();
  const fail = (error: Error) => zipped.destroy(error);
  zip.on('error', fail);
  for (const rel of relFiles) {
    zip.addReadStreamLazy(`${label}/${rel}`, { mtime, mode: 0o100644 }, (ready) => {
      // The zip has failed: no more files are opened.
      if (zipped.destroyed) return;
      const input = createReadStream(path.join(dir, ...rel.split('/')));
      reading.add(input);
      input.once('close', () => reading.delete(input));
      input.on('error', (error) => fail(new AppError('io_error', `Billfold could not put ${rel} into ${label}.zip: ${describeIoError(error)}`, { cause: error })));
      ready(null, input);
    });
  }
  zip.end();
  const output = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  try {
    await pipeline(zipped, output);
  } catch (error) {
    for (const input of reading) input.destroy();
    throw error;
  } finally {
    await Promise.all([...reading, output].map(closed));
  }
}

/**
 * Temporary folders of packs that a quit or a crash interrupted, and previous packs that could not
 * be deleted (moved aside more than an hour ago: never a pack being written or swapped). What
 * cannot be deleted is said.
 */
async function removeStaleTemps(packs: string, now = Date.now()): Promise<string[]> {
  const notes: string[] = [];
  for (const name of await fs.readdir(packs).catch(() => [] as string[])) {
    if (!/^\..+\.(tmp|old)-[0-9a-f]{8}(\.zip)?$/.test(name)) continue;
    const full = path.join(packs, name);
    const stat = await fs.lstat(full).catch(() => undefined);
    if (!stat || now - stat.mtimeMs <= 3_600_000) continue;
    const error = await removeTree(full);
    if (error !== undefined) notes.push(leftOver('what is left of an earlier pack', full, error));
  }
  return notes;
}

/** A swap moves the previous pack aside and the new one in within moments: one moved aside longer ago than this, with nothing in its place, was left by a build that was stopped. */
const interruptedSwapAge = 60_000;

/**
 * Previous packs that a killed or crashed build had moved aside without putting its own in place:
 * each goes back, with its zip when that was moved too, so a period never loses its pack. Of a
 * period's packs moved aside, the last one moved was the one in place. One moved aside moments
 * ago is left alone: another Billfold may be swapping it.
 */
async function restoreInterruptedSwaps(packs: string, now = Date.now()): Promise<void> {
  const aside: { full: string; target: string; movedAt: number }[] = [];
  for (const name of await fs.readdir(packs).catch(() => [] as string[])) {
    const label = /^\.(.+)\.old-[0-9a-f]{8}$/.exec(name)?.[1];
    if (label === undefined || !periodPattern.test(label)) continue;
    const stat = await fs.lstat(path.join(packs, name)).catch(() => undefined);
    if (stat?.isDirectory() && now - stat.mtimeMs > interruptedSwapAge) aside.push({ full: path.join(packs, name), target: path.join(packs, label), movedAt: stat.mtimeMs });
  }
  const missing = (file: string) =>
    fs.lstat(file).then(
      () => false,
      (error: unknown) => errnoOf(error) === 'ENOENT',
    );
  for (const { full, target } of aside.sort((a, b) => b.movedAt - a.movedAt)) {
    if (!(await missing(target))) continue;
    const restored = await fs.rename(full, target).then(
      () => true,
      () => false,
    );
    if (restored && (await missing(`${target}.zip`))) await fs.rename(`${full}.zip`, `${target}.zip`).catch(() => undefined);
  }
}

/** Provider CSVs that a spreadsheet would run formulas from: the accountant is told before opening them. */
export function formulaNotes(documents: readonly PackDocument[]): string[] {
  return documents
    .filter((d) => d.file.formulas === true)
    .map(
      (d) =>
        `${d.account.name}: ${d.packPath} holds cells a spreadsheet program would run as formulas (=…, +…, @…), as ${d.provider} sent them. Import it as text or read it in a text editor; do not open it with a double-click.`,
    );
}

export async function buildPack(deps: PackDeps, periodText: string, opts: { zip?: boolean } = {}): Promise<PackOutcome> {
  const period = parsePeriod(periodText);
  refuseNotBegun(period, deps.now?.() ?? new Date(), 'pack');
  const root = await deps.root();
  const packs = packsFolder(root);
  await restoreInterruptedSwaps(packs);
  const stale = await removeStaleTemps(packs);
  const { documents, checks, missing } = await planPack(deps, period);
  const notes = formulaNotes(documents);
  const temp = path.join(packs, `.${period.label}.tmp-${randomBytes(4).toString('hex')}`);
  const tempZip = `${temp}.zip`;
  // The first folder this build made on the way to its temporary one: Packs, or the downloads folder itself.
  let made: string | undefined;
  try {
    // Private to the user, as every Billfold folder: a pack holds every bill of its period.
    made = await fs.mkdir(temp, { recursive: true, mode: 0o700 }).catch(async (error: unknown) => {
      // Node answers ENOENT on a read-only disk: the real reason is found by creating the folders one by one.
      if (errnoOf(error) !== 'ENOENT') throw error;
      await makeFolder(temp);
      return undefined;
    });
    let bytes = 0;
    const total = documents.length;
    for (const [i, d] of documents.entries()) {
      if (deps.signal?.aborted) throw new AppError('cancelled', 'The pack was cancelled; nothing was written.');
      deps.onProgress?.(i, total, d.file.fileName);
      const to = path.join(temp, ...d.packPath.split('/'));
      try {
        await linkOrCopy(d.file.path, to);
      } catch (error) {
        // A full or read-only disk is the pack's own failure; anything else may be the Library file's.
        if (isFullOrReadOnly(error)) throw error;
        throw new AppError('io_error', `Billfold could not put ${d.file.fileName} into the pack: ${describeIoError(error)}`, { cause: error });
      }
      d.sha256 = await sha256Of(to);
      bytes += (await fs.stat(to)).size;
    }
    deps.onProgress?.(total, total, 'index');
    const index = tableCsv(
      indexColumns,
      documents.map((d) => ({
        provider: d.provider,
        account: d.account.name,
        'document kind': d.kind,
        'provider id': d.providerId,
        period: d.period,
        amount: d.amount ?? null,
        currency: d.currency ?? null,
        file: d.packPath,
        sha256: d.sha256 ?? null,
      })),
      { forPeople: true },
    );
    const reconciliation = tableCsv(
      checkColumns,
      checks.map((c) => ({ provider: c.provider, account: c.accountName, check: c.subject, status: c.status, expected: c.expected ?? null, actual: c.actual ?? null, currency: c.currency ?? null, note: c.note ?? null })),
      { forPeople: true },
    );
    const missingText = new TextEncoder().encode(missing.length === 0 ? 'Nothing is missing.\n' : `${missing.join('\n')}\n`);
    const written: [string, Uint8Array][] = [
      ['index.csv', index],
      ['reconciliation.csv', reconciliation],
      ['missing.txt', missingText],
    ];
    if (notes.length > 0) written.push(['notes.txt', new TextEncoder().encode(`${notes.join('\n')}\n`)]);
    for (const [name, data] of written) await fs.writeFile(path.join(temp, name), data, { flag: 'wx', mode: 0o600 });
    const sums = [...documents.map((d) => [d.sha256 as string, d.packPath] as const), ...written.map(([name, data]) => [createHash('sha256').update(data).digest('hex'), name] as const)]
      .sort((a, b) => byCodePoint(a[1], b[1]))
      .map(([hash, rel]) => `${hash}  ${rel}\n`)
      .join('');
    await fs.writeFile(path.join(temp, 'SHA256SUMS'), sums, { flag: 'wx', mode: 0o600 });
    const outcome: PackOutcome = {
      period,
      dir: path.join(packs, period.label),
      documents,
      bytes,
      checks,
      missing,
      notes,
      indexSha256: createHash('sha256').update(index).digest('hex'),
    };
    if (opts.zip) {
      const rel = [...documents.map((d) => d.packPath), ...written.map(([n]) => n), 'SHA256SUMS'].sort(byCodePoint);
      await writeZip(temp, period.label, rel, tempZip, new Date(period.start));
      outcome.zip = { file: path.join(packs, `${period.label}.zip`), bytes: (await fs.stat(tempZip)).size };
    }
    const replaced = await replacePack(period.label, { dir: temp, ...(opts.zip ? { zip: tempZip } : {}) }, { dir: outcome.dir, zip: path.join(packs, `${period.label}.zip`) });
    outcome.notes.push(...replaced, ...stale);
    return outcome;
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    await fs.rm(tempZip, { force: true });
    // The folders it made go too, as long as they are empty (another build may be writing in Packs).
    if (made !== undefined) {
      for (let dir = packs; dir === made || dir.startsWith(made + path.sep); dir = path.dirname(dir)) {
        if (!(await fs.rmdir(dir).then(() => true, () => false))) break;
      }
    }
    throw writeFailure(error, `write the ${period.label} pack`, packs);
  }
}
