import type { CalendarKind, Figure, MonthChange } from '../../../../contract/models/insight';
import { formatMoney } from '../../lib/format';

/** What stands where a figure has no amount. */
export function figureStateText(f: Figure): string {
  switch (f.state) {
    case 'not-enough-history':
      return 'Not enough history';
    case 'no-data':
      return 'No data yet';
    case 'not-reported':
      return 'Not reported';
    default:
      return '';
  }
}

/** "+¥2,100 (+42.0%)", never a change across currencies (the main process does not make one). */
export function changeText(c: MonthChange): string {
  const sign = c.amount.minor > 0 ? '+' : '';
  const percent = c.percent === null ? '' : ` (${c.percent.startsWith('-') ? '' : '+'}${c.percent}%)`;
  return `${sign}${formatMoney(c.amount)}${percent}`;
}

export const calendarKindText: Record<CalendarKind, string> = {
  renewal: 'Renewal',
  'invoice-open': 'Open invoice',
  'month-close': 'Month close',
  'subscription-end': 'Subscription ends',
};
