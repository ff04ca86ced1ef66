import { getContext, setContext } from 'svelte';
import type { ErrorCode } from '../../../contract/errors';

const credentialsKey = Symbol('enter-new-credentials');

/** Codes that new credentials fix: the provider no longer accepts (or never accepted) the ones Billfold holds. */
export function credentialsCanFix(code: ErrorCode): boolean {
  return code === 'auth_failed' || code === 'auth_expired' || code === 'forbidden';
}

/** The account pane offers its error states a way to open the account form at its sign-in fields. */
export function provideCredentialsFix(open: () => void): void {
  setContext(credentialsKey, open);
}

export function credentialsFix(): (() => void) | undefined {
  return getContext<(() => void) | undefined>(credentialsKey);
}
