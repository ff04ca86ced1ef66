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

export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '' && allowedHosts.has(url.hostname);
}
