/**
 * One clock for every relative time on screen ("Synced 2 minutes ago"), so they move on while the
 * window stays open instead of reading "just now" for ever. It ticks while anything reads it.
 */
import { createSubscriber } from 'svelte/reactivity';

const TICK_MS = 15_000;

let current = Date.now();
const subscribe = createSubscriber((update) => {
  current = Date.now();
  const timer = setInterval(() => {
    current = Date.now();
    update();
  }, TICK_MS);
  return () => clearInterval(timer);
});

/** The time, in milliseconds, that relative times are measured from; reading it in a template keeps it current. */
export function now(): number {
  subscribe();
  return current;
}

/**
 * How long to wait between background tries (offline views, failed accounts). Only under the test
 * harness (which sets `__billfoldHarness`) can a page shorten it, with `?offlineRetryMs=`, so tests need not wait 15 s.
 */
export function backgroundRetryInterval(): number {
  if ('__billfoldHarness' in window) {
    const ms = Number(new URLSearchParams(window.location.search).get('offlineRetryMs'));
    if (Number.isInteger(ms) && ms >= 100) return ms;
  }
  return 15_000;
}
