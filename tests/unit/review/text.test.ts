import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../main/review/decimal';
import { openReviewFile } from '../../../main/review/session';
import { inlineRunner } from '../../../main/review/threads';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-text-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the review shows every text as the file wrote it', () => {
  it('Japanese and emoji in column names, rows, malformed rows and totals, after a BOM', async () => {
    const file = path.join(tmp, 'text.csv');
    const text =
      '\uFEFFimsi,date,billItemName,amount,tag:名前 🏷\r\n' +
      '440103000000001,20240501,基本料金,10,冷蔵庫 🧊\r\n' +
      '440103000000001,20240501,基本料金,not a number,冷蔵庫 🧊\r\n' +
      '440103000000002,20240502,データ通信料 📶,2.5,"東京都, 港区"\r\n' +
      '440103000000002,2024050,基本料金,1,東京都\r\n';
    fs.writeFileSync(file, text);
    const session = await openReviewFile(file, { runner: inlineRunner, workers: 1 });
    expect(session.layout.columns).toEqual(['imsi', 'date', 'billItemName', 'amount', 'tag:名前 🏷']);
    expect(session.firstRows.map((r) => r.cells[2])).toEqual(['基本料金', 'データ通信料 📶']);
    const summary = await session.summary;
    expect(summary.byItem.map((t) => [t.key, formatScaled(t.amount, summary.scale)]).sort()).toEqual([
      ['データ通信料 📶', '2.5'],
      ['基本料金', '10'],
    ]);
    expect(summary.byGroup[0]?.map((t) => t.key).sort()).toEqual(['冷蔵庫 🧊', '東京都, 港区']);
    expect(summary.malformed.map((m) => [m.line, m.reason, m.raw])).toEqual([
      [3, 'amount', '440103000000001,20240501,基本料金,not a number,冷蔵庫 🧊'],
      [5, 'date', '440103000000002,2024050,基本料金,1,東京都'],
    ]);
    const rows = await session.rows(0, 10, { text: '港区' });
    expect(rows.rows.map((r) => r.cells[4])).toEqual(['東京都, 港区']);
    session.close();
  });
});
