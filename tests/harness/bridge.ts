/**
 * `window.billing` for a renderer served by the harness: the preload's own client factory
 * over HTTP and server-sent events. Playwright injects it before the page's scripts run;
 * in `npm run web` the harness adds it to the page and the token comes in the URL fragment.
 */
import type { DroppedFiles, Envelope } from '../../contract';
import { createBillingClient, type Transport } from '../../preload/client';

declare global {
  interface Window {
    __billfoldHarness?: { token: string };
  }
}

const storageKey = 'billfold-harness-token';

function findToken(): string | undefined {
  if (window.__billfoldHarness) return window.__billfoldHarness.token;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(storageKey, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(storageKey) ?? undefined;
}

const token = findToken() ?? '';

const transport: Transport = {
  async invoke(channel, args) {
    const res = await fetch(`/rpc/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Billfold-Token': token },
      body: args === undefined ? '' : JSON.stringify(args),
    });
    if (!res.ok) throw new Error(`Harness answered ${res.status}`);
    return res.json();
  },
  subscribe(onMessage) {
    const source = new EventSource(`/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (event: MessageEvent<string>) => onMessage(JSON.parse(event.data));
    return () => source.close();
  },
  // A browser has no path for a dropped file: the harness stores its bytes in a temporary folder
  // and answers the same ids the Electron main process gives, so the page goes on exactly as there.
  async drop(files) {
    const out: DroppedFiles = { files: [], refused: [] };
    for (const file of files) {
      const res = await fetch(`/__harness/upload?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'X-Billfold-Token': token },
        body: file,
      });
      const reply = (res.ok ? await res.json() : undefined) as Envelope<DroppedFiles> | undefined;
      if (!reply?.ok) {
        out.refused.push({ fileName: file.name, message: reply?.error.message ?? `${file.name} could not be handed to Billfold.` });
        continue;
      }
      out.files.push(...reply.value.files);
      out.refused.push(...reply.value.refused);
    }
    return { ok: true, value: out };
  },
};

Object.defineProperty(window, 'billing', { value: Object.freeze(createBillingClient(transport)), writable: false, configurable: false });
