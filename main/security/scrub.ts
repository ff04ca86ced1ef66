import type { ErrorInfo } from '../../contract/errors';

/** Shorter values are not looked for: they would blank out ordinary words in messages. */
export const minSecretLength = 4;
export const hiddenMark = '[hidden]';

/** Every text value in a credentials or session object (nested ones too), as it could appear in a provider's text. */
export function secretValuesOf(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    const add = (v: string) => {
      if (v.length >= minSecretLength) into.add(v);
    };
    add(value);
    add(encodeURIComponent(value));
    add(JSON.stringify(value).slice(1, -1));
    // A session stored as JSON text holds its tokens inside.
    if (/^[[{]/.test(value.trim())) {
      try {
        secretValuesOf(JSON.parse(value) as unknown, into);
      } catch {
        // not JSON: the whole text was added above
      }
    }
  } else if (Array.isArray(value)) {
    for (const v of value) secretValuesOf(v, into);
  } else if (typeof value === 'object' && value !== null) {
    // `kind` names the sign-in method ("password", "authKey"): a label, not a secret.
    for (const [k, v] of Object.entries(value)) if (k !== 'kind') secretValuesOf(v, into);
  }
  return into;
}

/** The text with every secret value replaced by `[hidden]`, longest first (a token may contain a shorter secret). */
export function scrubText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= minSecretLength && out.includes(secret)) out = out.split(secret).join(hiddenMark);
  }
  return out;
}

/** An error as it may cross IPC: no secret value in its message, the provider's message and code, or its issues. */
export function scrubErrorInfo(info: ErrorInfo, secrets: Iterable<string>): ErrorInfo {
  const list = [...secrets];
  if (list.length === 0) return info;
  const out: ErrorInfo = { ...info, message: scrubText(info.message, list) };
  if (info.providerCode !== undefined) out.providerCode = scrubText(info.providerCode, list);
  if (info.providerMessage !== undefined) out.providerMessage = scrubText(info.providerMessage, list);
  if (info.issues !== undefined) out.issues = info.issues.map((i) => ({ path: scrubText(i.path, list), message: scrubText(i.message, list) }));
  return out;
}
