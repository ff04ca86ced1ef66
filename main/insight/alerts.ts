import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Alert, AlertList } from '../../contract/models/insight';
import { writeFileAtomic } from '../fs/atomic-write';

/** An alert the rules found; its `id` says what it is about, so the same finding is never raised twice. */
export type AlertCandidate = Omit<Alert, 'createdAt' | 'read' | 'dismissed'>;

export interface AlertStore {
  list(): Promise<AlertList>;
  /** Keeps the candidates not raised before and answers them (newest first). */
  raise(candidates: readonly AlertCandidate[]): Promise<Alert[]>;
  dismiss(id: string): Promise<AlertList>;
  markRead(ids?: readonly string[]): Promise<AlertList>;
  forgetAccount(accountId: string): Promise<void>;
}

const version = 1;
/** The history keeps this many alerts; the oldest go first. */
const maxAlerts = 500;

const alertSchema = z.object({
  id: z.string(),
  kind: z.enum(['budget', 'anomaly', 'payment-failed']),
  accountId: z.string().optional(),
  currency: z.string().optional(),
  title: z.string(),
  message: z.string(),
  createdAt: z.string(),
  read: z.boolean(),
  dismissed: z.boolean(),
});
const fileSchema = z.object({ version: z.literal(version), alerts: z.array(alertSchema) });

/**
 * Alerts raised so far, in `alerts.json` of the user-data folder (written atomically), so an alert
 * is shown once even across restarts, and the list of past alerts stays.
 */
export function createAlertStore(userDataDir: string, opts: { now?: () => Date; onDiscarded?: () => void } = {}): AlertStore {
  const file = path.join(userDataDir, 'alerts.json');
  const now = opts.now ?? (() => new Date());
  let loaded: Promise<Alert[]> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Alert[]> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return [];
    }
    try {
      return fileSchema.parse(JSON.parse(text)).alerts.map((a) => {
        const alert: Alert = { id: a.id, kind: a.kind, title: a.title, message: a.message, createdAt: a.createdAt, read: a.read, dismissed: a.dismissed };
        if (a.accountId !== undefined) alert.accountId = a.accountId;
        if (a.currency !== undefined) alert.currency = a.currency;
        return alert;
      });
    } catch {
      opts.onDiscarded?.();
      return [];
    }
  }

  const all = () => (loaded ??= load());
  const view = (alerts: Alert[]): AlertList => ({ alerts: [...alerts], unread: alerts.filter((a) => !a.read && !a.dismissed).length });

  /** One change at a time, each written before the next starts (nothing is written when nothing changed). */
  function change<T>(work: (alerts: Alert[]) => { next: Alert[]; result: T }): Promise<T> {
    const run = queue.then(async () => {
      const before = await all();
      const { next, result } = work(before);
      if (next === before) return result;
      loaded = Promise.resolve(next);
      await writeFileAtomic(file, JSON.stringify({ version, alerts: next }));
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    async list() {
      await queue;
      return view(await all());
    },
    raise(candidates) {
      return change((alerts) => {
        const known = new Set(alerts.map((a) => a.id));
        const fresh: Alert[] = [];
        for (const c of candidates) {
          if (known.has(c.id)) continue;
          known.add(c.id);
          fresh.push({ ...c, createdAt: now().toISOString(), read: false, dismissed: false });
        }
        if (fresh.length === 0) return { next: alerts, result: [] };
        return { next: [...fresh.reverse(), ...alerts].slice(0, maxAlerts), result: fresh };
      });
    },
    dismiss(id) {
      return change((alerts) => {
        const next = alerts.map((a) => (a.id === id ? { ...a, dismissed: true, read: true } : a));
        return { next, result: view(next) };
      });
    },
    markRead(ids) {
      return change((alerts) => {
        const wanted = ids === undefined ? undefined : new Set(ids);
        const next = alerts.map((a) => (wanted === undefined || wanted.has(a.id) ? { ...a, read: true } : a));
        return { next, result: view(next) };
      });
    },
    async forgetAccount(accountId) {
      await change((alerts) => ({ next: alerts.filter((a) => a.accountId !== accountId), result: undefined }));
    },
  };
}
