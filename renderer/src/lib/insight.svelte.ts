import type { AccountBadges, Alert, AlertList, InsightOverview } from '../../../contract/models/insight';
import { call } from './billing';

/**
 * Spend insight as the whole UI sees it: the overview (computed in the main process from the
 * offline snapshots), every account's sidebar badges, and the alerts. One instance, kept current
 * by the `insight.changed` and `insight.alert` events.
 */
/** Toasts on screen at once; the others wait in the Alerts panel. */
export const maxToasts = 3;

/**
 * An alert that asks the user to do something: a failed payment ("check its payment method").
 * Its toast stays until dismissed or until its account is opened.
 */
export const needsAction = (alert: Alert): boolean => alert.kind === 'payment-failed' && alert.accountId !== undefined;

/** `show` for the answers of calls made through it, except those older than the last one shown. */
function newestOnly<T>(show: (value: T) => void): (ask: () => Promise<T>) => Promise<void> {
  let asked = 0;
  let shown = 0;
  return async (ask) => {
    const n = ++asked;
    const value = await ask();
    if (n < shown) return;
    shown = n;
    show(value);
  };
}

class InsightState {
  overview = $state<InsightOverview | undefined>();
  badges = $state<Record<string, AccountBadges>>({});
  alerts = $state<AlertList | undefined>();
  /** Alerts raised while the window is open and on screen as toasts, newest first (at most `maxToasts`). */
  toasts = $state<Alert[]>([]);
  /** Alerts raised while the toasts are on screen that went straight to the Alerts panel for want of room. */
  overflow = $state<string[]>([]);
  /** What the polite live region has said, one line per alert, each said once. */
  announcements = $state<{ id: string; text: string }[]>([]);
  loading = $state(false);

  /**
   * Answers can come back in another order than they were asked: a list of alerts read before a
   * dismissal may arrive after it. Only an answer newer than the one on screen is shown.
   */
  private readonly showAlerts = newestOnly<AlertList>((list) => (this.alerts = list));
  private readonly showOverview = newestOnly<InsightOverview>((overview) => {
    this.overview = overview;
    this.badges = Object.fromEntries(overview.accounts.map((a) => [a.accountId, a.badges]));
  });

  /** Shows the alerts a call answers (a read, a dismissal, a mark as read) unless a newer answer is on screen. */
  updateAlerts(ask: () => Promise<AlertList>): Promise<void> {
    return this.showAlerts(ask);
  }

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      await Promise.all([this.showOverview(() => call('insight.overview', {})), this.updateAlerts(() => call('insight.listAlerts', {}))]);
    } finally {
      this.loading = false;
    }
  }

  async dismiss(id: string): Promise<void> {
    this.overflow = this.overflow.filter((x) => x !== id);
    this.stepBack(id);
    await this.updateAlerts(() => call('insight.dismissAlert', { id }));
  }

  /** Takes a toast off the screen; the alert stays in the Alerts panel as it was (unread, not dismissed). */
  stepBack(id: string): void {
    this.toasts = this.toasts.filter((a) => a.id !== id);
    if (this.toasts.length === 0) this.overflow = [];
  }

  /** The Alerts panel is opened: the alerts counted as "more" are there. */
  clearOverflow(): void {
    this.overflow = [];
  }

  private show(alert: Alert): void {
    if (this.toasts.some((a) => a.id === alert.id) || this.overflow.includes(alert.id)) return;
    this.announcements = [...this.announcements, { id: alert.id, text: `New alert: ${alert.title}. ${alert.message}` }].slice(-20);
    const toasts = [alert, ...this.toasts];
    while (toasts.length > maxToasts) {
      // The oldest toast makes room, unless it waits for an action (a failed payment) and another does not.
      const i = toasts.findLastIndex((a) => !needsAction(a));
      const [out] = toasts.splice(i === -1 ? toasts.length - 1 : i, 1);
      if (out) this.overflow = [...this.overflow, out.id];
    }
    this.toasts = toasts;
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
      this.show(alert);
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
