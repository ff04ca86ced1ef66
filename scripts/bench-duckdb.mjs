// The DuckDB side of `npm run bench`: reads the same detailed CSVs with @duckdb/node-api (a dev
// dependency, used by the benchmark only) and prints one JSON line with the figures the engine
// prints: rows, totalsByItem, totalsByMonth, devices, topDevices, deviceMonths (rows of the
// per-SIM-per-month table), files, ms, sinceStartMs (from the process's start), peakRssMB.
// Amounts are DECIMAL(18,9), summed exactly.
//
//   node scripts/bench-duckdb.mjs [--threads N] [--strings] [--warm] FILE [FILE...]
//
// --warm creates the database and its connection before the clock starts (as an app keeping
// DuckDB open would), then waits a second, as the engine's --warm does.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
let threads = 2;
let asStrings = false;
let warm = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threads') threads = Number(args[++i]);
  else if (args[i] === '--strings') asStrings = true;
  else if (args[i] === '--warm') warm = true;
  else files.push(path.resolve(args[i]));
}
if (files.length === 0) {
  console.error('usage: node scripts/bench-duckdb.mjs [--threads N] [--strings] [--warm] FILE [FILE...]');
  process.exit(2);
}

/** DuckDB's decimal text without trailing zeros: "12.500000000" -> "12.5". */
const exact = (value) => {
  const text = String(value);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
};

const open = async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  return { instance, connection: await instance.connect() };
};
const ready = warm ? await open() : undefined;
if (warm) await new Promise((resolve) => setTimeout(resolve, 1000));
const started = performance.now();
const { connection } = ready ?? (await open());
const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
// One scan, every total at once: by item, by month, and by SIM and month (the per-SIM-per-month
// table, from which the totals per SIM follow).
const reader = await connection.runAndReadAll(`
  SELECT GROUPING(billItemName, month, imsi) AS g, billItemName, month, imsi, sum(amount) AS amount, count(*) AS n
  FROM (
    SELECT billItemName, substr(date, 1, 6) AS month, imsi, amount
    FROM read_csv([${list}], header = true, auto_detect = true,
                  types = {'imsi': 'VARCHAR', 'date': 'VARCHAR', 'billItemName': 'VARCHAR', 'amount': 'DECIMAL(18,9)'})
  )
  GROUP BY GROUPING SETS ((billItemName), (month), (imsi, month))
`);
const rows = reader.getRows();
const ms = Math.round(performance.now() - started);
// From the process's start, before the DuckDB library was loaded.
const sinceStartMs = Math.round(performance.now());

let rowCount = 0;
const totalsByItem = {};
const totalsByMonth = {};
const byDevice = new Map();
let deviceMonths = 0;
const items = [];
for (const [gBig, item, month, imsi, amount, n] of rows) {
  const g = Number(gBig);
  // GROUPING bits: billItemName 4, month 2, imsi 1 (1 = rolled up).
  if (g === 3) {
    items.push([item, amount]);
    rowCount += Number(n);
  } else if (g === 5) totalsByMonth[month] = exact(amount);
  else if (g === 4 && imsi !== null && imsi !== '') {
    deviceMonths++;
    byDevice.set(imsi, (byDevice.get(imsi) ?? 0n) + BigInt(String(amount.value ?? 0n)));
  }
}
items.sort((a, b) => (a[0] < b[0] ? -1 : 1));
for (const [item, amount] of items) totalsByItem[item] = exact(amount);
const sorted = [...byDevice].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0] < b[0] ? -1 : 1));
const scale = 9n;
const fromScaled = (v) => {
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(Number(scale) + 1, '0');
  return exact(`${neg ? '-' : ''}${abs.slice(0, -Number(scale))}.${abs.slice(-Number(scale))}`);
};
const topDevices = sorted.slice(0, 20).map(([imsi, v]) => [imsi, fromScaled(v)]);
const totalsByMonthSorted = Object.fromEntries(Object.keys(totalsByMonth).sort().map((k) => [k, totalsByMonth[k]]));
const out = {
  rows: rowCount,
  malformedRows: 0,
  totalsByItem,
  totalsByMonth: totalsByMonthSorted,
  devices: byDevice.size,
  topDevices,
  deviceMonths,
  files: files.length,
  ms,
  sinceStartMs,
  cpuMs: Math.round((process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
};
connection.closeSync?.();
// Amounts are printed as exact decimal strings (`--strings` is accepted for symmetry with the engine).
void asStrings;
console.log(JSON.stringify(out));
