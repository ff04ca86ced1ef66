/** The two months the overview compares, as yyyyMM (UTC calendar months). */
export interface OverviewMonths {
  thisMonth: string;
  lastMonth: string;
}
