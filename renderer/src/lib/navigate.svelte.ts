/** A month another view asked to open in an account (an anomaly flag on the overview, say). */
class PendingOpen {
  month = $state<{ accountId: string; yyyyMM: string } | undefined>();

  /** The month to open for this account, once. */
  take(accountId: string): string | undefined {
    const wanted = this.month;
    if (wanted?.accountId !== accountId) return undefined;
    this.month = undefined;
    return wanted.yyyyMM;
  }
}

export const pendingOpen = new PendingOpen();

/** Set by the toasts' "+N more in Alerts": the overview's Alerts panel takes focus once it is on screen. */
class PendingAlerts {
  wanted = $state(false);
}

export const pendingAlerts = new PendingAlerts();
