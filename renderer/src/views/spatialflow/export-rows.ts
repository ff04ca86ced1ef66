import type { SpatialFlowInvoice } from '../../../../contract/models/spatialflow';
import { amountCell, buildTable, isoDay, type CsvColumn, type CsvTable } from '../../lib/table-csv';
import { invoiceStatusLabel } from './labels';

const invoiceColumns: CsvColumn<SpatialFlowInvoice>[] = [
  { header: 'Number', cell: (i) => i.number },
  { header: 'Status', cell: (i) => invoiceStatusLabel(i.status) },
  { header: 'Period start', cell: (i) => isoDay(i.periodStart) },
  { header: 'Period end', cell: (i) => isoDay(i.periodEnd) },
  { header: 'Amount due', cell: (i) => amountCell(i.amountDue) },
  { header: 'Amount paid', cell: (i) => amountCell(i.amountPaid) },
  { header: 'Currency', cell: (i) => i.amountDue.currency },
];

/** The invoices the list shows (loaded, after the filters), in its order. */
export function invoicesTable(invoices: readonly SpatialFlowInvoice[]): CsvTable {
  return buildTable('SpatialFlow invoices', invoiceColumns, invoices);
}
