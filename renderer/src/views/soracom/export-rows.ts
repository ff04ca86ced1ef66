import type { SoracomDailyBill, SoracomMonthlyBill } from '../../../../contract/models/soracom';
import { amountCell, buildTable, isoMonth, type CsvColumn, type CsvTable } from '../../lib/table-csv';
import { billStateText, paymentStatusText } from './bills';

const historyColumns: CsvColumn<SoracomMonthlyBill>[] = [
  { header: 'Month', cell: (b) => isoMonth(b.yearMonth) },
  { header: 'Amount', cell: (b) => amountCell(b.amount) },
  { header: 'Currency', cell: (b) => b.amount?.currency ?? '' },
  // Soracom applies coupons in the bill's currency; another one is kept with its own code, never converted.
  {
    header: 'Coupon applied',
    cell: (b) =>
      !b.appliedCouponAmount || b.appliedCouponAmount.minor === 0
        ? ''
        : b.appliedCouponAmount.currency === b.amount?.currency
          ? amountCell(b.appliedCouponAmount)
          : `${amountCell(b.appliedCouponAmount)} ${b.appliedCouponAmount.currency}`,
  },
  { header: 'State', cell: (b) => billStateText(b.state) },
  { header: 'Payment', cell: (b) => paymentStatusText(b.paymentStatus, b.state) },
];

/** The history table: one row per month, newest first, as shown. */
export function historyTable(bills: readonly SoracomMonthlyBill[]): CsvTable {
  return buildTable('Soracom monthly bills', historyColumns, bills);
}

const dailyColumns: CsvColumn<SoracomDailyBill>[] = [
  { header: 'Date', cell: (d) => d.date },
  { header: 'Amount', cell: (d) => amountCell(d.amount) },
  { header: 'Currency', cell: (d) => d.amount.currency },
];

/** A month's daily bills (`yyyyMM`), newest first, as the table shows them. */
export function dailyTable(yyyyMM: string, days: readonly SoracomDailyBill[]): CsvTable {
  return buildTable(`Soracom daily bills ${isoMonth(yyyyMM)}`, dailyColumns, days);
}
