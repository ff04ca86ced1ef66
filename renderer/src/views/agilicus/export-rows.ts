import type { AgilicusBillingAccount, AgilicusSubscription, AgilicusUsageRecord } from '../../../../contract/models/agilicus';
import { buildTable, isoDay, type CsvColumn, type CsvTable } from '../../lib/table-csv';

const usageColumns: CsvColumn<AgilicusUsageRecord>[] = [
  { header: 'Day (UTC)', cell: (r) => r.date ?? '' },
  { header: 'Timestamp', cell: (r) => r.timestamp ?? '' },
  { header: 'Quantity', cell: (r) => r.quantity },
];

/** The usage records shown for a billing account (`name`: what its heading says), newest first. */
export function usageTable(name: string, records: readonly AgilicusUsageRecord[]): CsvTable {
  return buildTable(`Agilicus usage ${name}`.slice(0, 120), usageColumns, records);
}

function subscriptionText(sub: AgilicusSubscription): string {
  return [sub.status ?? 'unknown', sub.planName].filter((s) => s !== null && s !== '').join(' ');
}

/** The billing accounts list, with the customer and subscription columns when the list shows them. */
export function billingAccountsTable(accounts: readonly AgilicusBillingAccount[], shown: { customer: boolean; subscriptions: boolean }): CsvTable {
  const columns: CsvColumn<AgilicusBillingAccount>[] = [
    { header: 'Billing account id', cell: (ba) => ba.id },
    { header: 'Customer id', cell: (ba) => ba.customerId ?? '' },
  ];
  if (shown.customer) {
    columns.push({ header: 'Customer', cell: (ba) => ba.customer?.name ?? '' }, { header: 'Email', cell: (ba) => ba.customer?.email ?? '' });
  }
  columns.push(
    { header: 'Organisations', cell: (ba) => ba.orgs.map((o) => o.name).join('; ') },
    { header: 'Products', cell: (ba) => ba.products.join('; ') },
  );
  if (shown.subscriptions) {
    columns.push({ header: 'Subscription', cell: (ba) => (ba.subscriptions ?? []).map(subscriptionText).join('; ') });
  }
  columns.push({ header: 'Mode', cell: (ba) => (ba.devMode ? 'Dev mode' : 'Live') }, { header: 'Created', cell: (ba) => isoDay(ba.created) });
  return buildTable('Agilicus billing accounts', columns, accounts);
}
