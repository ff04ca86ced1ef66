import type { Harness } from './fixtures';

/** The previous calendar month (UTC) as yyyyMM: the demo Soracom sandbox's big, closed month. */
export function previousMonth(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A month's detailed CSV from the demo Soracom sandbox over plain HTTP, as a user would download it. */
export async function downloadSoracomExport(harness: Harness, yyyyMM: string): Promise<Buffer> {
  const { soracom } = await harness.sandboxes();
  const authRes = await fetch(`${soracom.apiUrl}/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ authKeyId: soracom.credentials['authKeyId'], authKey: soracom.credentials['authKey'] }),
  });
  const auth = (await authRes.json()) as { apiKey: string; token: string };
  const exportRes = await fetch(`${soracom.apiUrl}/bills/${yyyyMM}/export?export_mode=sync`, {
    method: 'POST',
    headers: { 'X-Soracom-API-Key': auth.apiKey, 'X-Soracom-Token': auth.token },
  });
  const { url } = (await exportRes.json()) as { url: string };
  const file = await fetch(url);
  if (!file.ok) throw new Error(`The export download answered ${file.status}`);
  return Buffer.from(await file.arrayBuffer());
}
