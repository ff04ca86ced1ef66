import type { AccountBadges, Alert, AlertList, InsightOverview } from '../../../contract/models/insight';
import { call } from './billing';

/**
 * Spend insight as the whole UI sees it: the overview (computed in the main process from the
 * offline snapshots), every account's sidebar badges, and the alerts. One instance, kept current
 * by the `insight.changed` and `insight.alert` events.
 */
class InsightState {
  overview = $state<InsightOverview | undefined>();
  badges = $state<Record<string, AccountBadges>>({});
  alerts = $state<AlertList | undefined>();
  /** Alerts raised while the window is open, shown as banners until dismissed. */
  fresh = $state<Alert[]>([]);
  loading = $state(false);

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      const [overview, alerts] = await Promise.all([call('insight.overview', {}), call('insight.listAlerts', {})]);
      this.overview = overview;
      this.alerts = alerts;
      this.badges = Object.fromEntries(overview.accounts.map((a) => [a.accountId, a.badges]));
    } finally {
      this.loading = false;
    }
  }

  async dismiss(id: string): Promise<void> {
    this.fresh = this.fresh.filter((a) => a.id !== id);
    this.alerts = await call('insight.dismissAlert', { id });
  }

  listen(): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const offChanged = window.billing.on('insight.changed', ({ badges }) => {
      this.badges = badges;
      // The overview follows along (once for a burst of changes).
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh().catch(() => undefined), 100);
    });
    const offAlert = window.billing.on('insight.alert', (alert) => {
      if (!this.fresh.some((a) => a.id === alert.id)) this.fresh = [alert, ...this.fresh];
    });
    // The first read waits until the window has connected to the main process's events and
    // opened its first view, so a notice that reading the offline data raises is not lost.
    const first = setTimeout(() => void this.refresh().catch(() => undefined), 1500);
    return () => {
      clearTimeout(first);
      clearTimeout(timer);
      offChanged();
      offAlert();
    };
  }
}

export const insightState = new InsightState();
