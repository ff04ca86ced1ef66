/** Hosts the app may open in the user's browser: the providers' own sites and docs. */
const allowedHosts = new Set([
  'soracom.io',
  'users.soracom.io',
  'developers.soracom.io',
  'dev.soracom.io',
  'console.soracom.io',
  'spatialflow.io',
  'app.spatialflow.io',
  'docs.spatialflow.io',
  'agilicus.com',
  'www.agilicus.com',
  'docs.agilicus.com',
]);

/**
 * The URL to open for a link the page asked for: its normalized `href` when it is https, without
 * credentials or port, to a provider's site; undefined otherwise. Strings with whitespace, control
 * characters or backslashes are refused before parsing: browsers and the OS read those in ways
 * the URL parser does not, so the checked URL and the opened one could differ. Only the `href`
 * returned here is ever opened, never the raw string.
 */
export function externalUrlToOpen(raw: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u00a0\\]/.test(raw) || /[\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '' || !allowedHosts.has(url.hostname)) return undefined;
  return url.href;
}

export function isAllowedExternalUrl(raw: string): boolean {
  return externalUrlToOpen(raw) !== undefined;
}
