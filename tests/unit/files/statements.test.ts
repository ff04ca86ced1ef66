import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgilicusBillingAccount, AgilicusUsageRecordList } from '../../../contract/models/agilicus';
import type { SavedFile } from '../../../contract/models/files';
import type { SoracomDailyBills, SoracomMonthlyBill } from '../../../contract/models/soracom';
import { formatMoney, sumByCurrency } from '../../../contract/money';
import { renderPdf } from '../../../main/files/pdf';
import { agilicusUsageStatement, soracomStatement } from '../../../main/files/statements';
import { mainServices, pdfText, tempDir } from './helpers';

const en = (m: { minor: number; currency: string }) => formatMoney(m, 'en-US');

describe('PDF statements, read back with pdftotext', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('statements');
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('a Soracom month in euros shows the bill, every day, the total and the currency', async () => {
    const bill: SoracomMonthlyBill = { yearMonth: '202405', amount: { minor: 123456, currency: 'EUR' }, state: 'closed', paymentStatus: 'paid' };
    const daily: SoracomDailyBills = {
      yearMonth: '202405',
      days: [
        { date: '2024-05-02', amount: { minor: 1999, currency: 'EUR' } },
        { date: '2024-05-01', amount: { minor: 501, currency: 'EUR' } },
      ],
      totals: [{ minor: 2500, currency: 'EUR' }],
    };
    const bytes = await renderPdf(soracomStatement({ accountName: '株式会社ソラコム検証', yyyyMM: '202405', bill, daily, generatedAt: new Date('2024-06-01T09:00:00Z') }));
    const file = path.join(dir, 'eur.pdf');
    await fs.writeFile(file, bytes);
    const text = await pdfText(file);
    expect(text).toContain('Soracom statement: May 2024');
    expect(text).toContain('株式会社ソラコム検証');
    expect(text).toMatch(/Amount billed\s+€1,234\.56/);
    expect(text).toMatch(/2024-05-01\s+€5\.01/);
    expect(text).toMatch(/Total of daily charges\s+€25\.00/);
    expect(text).toContain('EUR (Euro)');
    // The font is embedded, not looked up on the reader's machine.
    expect(Buffer.from(bytes).toString('latin1')).toMatch(/\/FontFile2/);
  });

  it('a Soracom month words its payment status as the window does, and names the difference from the daily charges whichever way it goes', async () => {
    const daily: SoracomDailyBills = {
      yearMonth: '202610',
      days: [
        { date: '2026-10-01', amount: { minor: 134603, currency: 'JPY' } },
        { date: '2026-10-02', amount: { minor: 100000, currency: 'JPY' } },
      ],
      totals: [{ minor: 234603, currency: 'JPY' }],
    };
    const read = async (bill: SoracomMonthlyBill, name: string) => {
      const file = path.join(dir, name);
      await fs.writeFile(file, await renderPdf(soracomStatement({ accountName: 'Fleet', yyyyMM: '202610', bill, daily, generatedAt: new Date('2026-11-29T08:25:00Z') })));
      return (await pdfText(file)).replace(/\s+/g, ' ');
    };
    // Discounts and free tiers larger than the monthly fees: the daily charges are above the bill.
    const closed = await read({ yearMonth: '202610', amount: { minor: 227564, currency: 'JPY' }, state: 'closed', paymentStatus: 'paying' }, 'paying.pdf');
    expect(closed).toContain('Fleet · generated Nov 29, 2026, 08:25 AM UTC by Billfold');
    expect(closed).toContain('Payment status Payment in progress');
    expect(closed).not.toMatch(/Payment status paying/);
    expect(closed).toMatch(/Amount billed ¥227,564/);
    expect(closed).toMatch(/Total of daily charges ¥234,603 Monthly fees less free tiers and discounts -¥7,039 Amount billed for the month ¥227,564/);
    expect(closed).toContain("so their total can be below or above the month's amount");
    expect(closed).not.toContain('usually below');
    // A month still open has not been billed.
    const open = await read({ yearMonth: '202610', amount: { minor: 240000, currency: 'JPY' }, state: 'temporary' }, 'open.pdf');
    expect(open).toMatch(/Amount so far ¥240,000/);
    expect(open).not.toContain('Amount billed');
    expect(open).toMatch(/Monthly fees less free tiers and discounts ¥5,397 Amount so far for the month ¥240,000/);
  });

  it('a Soracom month with daily bills that could not be read says how many were left out of the total', async () => {
    const bill: SoracomMonthlyBill = { yearMonth: '202405', amount: { minor: 3000, currency: 'JPY' }, state: 'closed' };
    const unreadable = [{ index: 1, field: 'amount', value: 'undefined', problem: 'expected number' }];
    const some: SoracomDailyBills = { yearMonth: '202405', days: [{ date: '2024-05-01', amount: { minor: 100, currency: 'JPY' } }], totals: [{ minor: 100, currency: 'JPY' }], unreadable };
    const none: SoracomDailyBills = { yearMonth: '202405', days: [], totals: [], unreadable };
    const read = async (daily: SoracomDailyBills, name: string) => {
      const file = path.join(dir, name);
      await fs.writeFile(file, await renderPdf(soracomStatement({ accountName: 'Fleet', yyyyMM: '202405', bill, daily, generatedAt: new Date('2024-06-01T09:00:00Z') })));
      return pdfText(file);
    };
    expect(await read(some, 'some.pdf')).toMatch(/Daily bills not readable\s+1, left out of the daily charges and their total/);
    const text = await read(none, 'none.pdf');
    expect(text).toContain('None of the daily bills Soracom sent for this month could be read.');
    expect(text).not.toContain('Soracom reported no daily charges');
  });

  it('an Agilicus billing account with a Japanese customer name and yen prices', async () => {
    const ba: AgilicusBillingAccount = {
      id: 'ba123',
      customerId: 'cus_1',
      devMode: false,
      created: null,
      updated: null,
      orgs: [{ id: 'org1', name: '東京ロジスティクス', subdomain: null, slug: null, adminState: 'active', currentState: 'active', allUp: true, billingAccountId: 'ba123' }],
      products: [],
      customer: { name: '山田太郎', email: 'taro@example.jp' },
      subscriptions: [
        { id: 'sub1', status: 'active', planName: 'AnyX Business', unitPrice: { minor: 1200, currency: 'JPY' }, interval: 'month', quantity: 3, currentPeriodEnd: '2024-07-01T00:00:00Z', cancelAtPeriodEnd: false },
      ],
    };
    const usage: AgilicusUsageRecordList = {
      limit: 100,
      records: [
        { quantity: 7, timestamp: '2024-06-02T00:00:00Z', date: '2024-06-02' },
        { quantity: 5, timestamp: '2024-06-01T00:00:00Z', date: '2024-06-01' },
      ],
      totalQuantity: 12,
      mayBeTruncated: false,
    };
    const bytes = await renderPdf(agilicusUsageStatement({ accountName: 'Agilicus (demo)', billingAccount: ba, usage, generatedAt: new Date('2024-06-03T00:00:00Z') }));
    const file = path.join(dir, 'ag.pdf');
    await fs.writeFile(file, bytes);
    const text = await pdfText(file);
    expect(text).toContain('Agilicus usage statement: 山田太郎');
    expect(text).toContain('東京ロジスティクス');
    expect(text).toMatch(/¥1,200 \/ month/);
    expect(text).toMatch(/Period\s+2024-06-01 to 2024-06-02/);
    expect(text).toMatch(/Total quantity\s+12/);
  });
});

describe('statements saved through the channels, from the demo sandboxes', () => {
  let s: Awaited<ReturnType<typeof mainServices>>;
  beforeAll(async () => {
    s = await mainServices();
  }, 60_000);
  afterAll(() => s.close());

  it('files.saveSoracomStatement: the PDF carries the month’s amount and the sum of its days', async () => {
    const history = await s.call<{ bills: SoracomMonthlyBill[] }>('soracom.getBillingHistory', { accountId: s.ids.soracom });
    const closed = history.bills.find((b) => b.state === 'closed')!;
    const daily = await s.call<SoracomDailyBills>('soracom.getBillingPerDay', { accountId: s.ids.soracom, yyyyMM: closed.yearMonth });
    const saved = await s.call<SavedFile>('files.saveSoracomStatement', { accountId: s.ids.soracom, yyyyMM: closed.yearMonth });
    const period = `${closed.yearMonth.slice(0, 4)}-${closed.yearMonth.slice(4)}`;
    expect(saved).toMatchObject({ kind: 'statement-pdf', period, accountName: 'Soracom (demo)', fileName: `Soracom statement ${period}.pdf` });
    expect(saved.path).toBe(path.join(s.platform.documentsDir, 'Billfold', 'Soracom (demo)', saved.fileName));
    const text = await pdfText(saved.path);
    expect(text).toContain(en(closed.amount!));
    const total = sumByCurrency(daily.days.map((d) => d.amount))[0]!;
    expect(text).toMatch(new RegExp(`Total of daily charges\\s+${en(total).replace(/[$.]/g, '\\$&')}`));
    for (const day of daily.days) expect(text).toMatch(new RegExp(`${day.date}\\s+${en(day.amount).replace(/[$.]/g, '\\$&')}`));
  });

  it('files.saveSoracomStatement: a bill answer that leaves out its month (optional in the API) is saved under the month asked for', async () => {
    const history = await s.call<{ bills: SoracomMonthlyBill[] }>('soracom.getBillingHistory', { accountId: s.ids.soracom });
    const closed = history.bills.filter((b) => b.state === 'closed')[1]!;
    const servers = await s.demo.servers();
    servers.soracom.setFaults([{ kind: 'patch', method: 'GET', path: `/v1/bills/${closed.yearMonth}`, pointer: '/yearMonth', value: undefined }]);
    try {
      const saved = await s.call<SavedFile>('files.saveSoracomStatement', { accountId: s.ids.soracom, yyyyMM: closed.yearMonth });
      expect(saved.period).toBe(`${closed.yearMonth.slice(0, 4)}-${closed.yearMonth.slice(4)}`);
      expect(await pdfText(saved.path)).toContain(en(closed.amount!));
    } finally {
      servers.soracom.setFaults([]);
    }
  });

  it('files.saveAgilicusUsageStatement: the PDF carries the usage total', async () => {
    const list = await s.call<{ accounts: AgilicusBillingAccount[] }>('agilicus.listBillingAccounts', { accountId: s.ids.agilicus });
    const ba = list.accounts[0]!;
    const usage = await s.call<AgilicusUsageRecordList>('agilicus.getUsageRecords', { accountId: s.ids.agilicus, billingAccountId: ba.id, limit: 10_000 });
    const saved = await s.call<SavedFile>('files.saveAgilicusUsageStatement', { accountId: s.ids.agilicus, billingAccountId: ba.id });
    expect(saved.kind).toBe('statement-pdf');
    const text = await pdfText(saved.path);
    expect(text).toMatch(new RegExp(`Total quantity\\s+${usage.totalQuantity.toLocaleString('en-US')}`));
    expect(usage.totalQuantity).toBeGreaterThan(0);
  }, 30_000);
});
