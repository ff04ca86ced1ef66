/** Keyboard shortcuts of the places in the sidebar; shown in their tooltips and `aria-keyshortcuts`. */
export const isMac = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform);

export interface Shortcut {
  /** `KeyboardEvent.key`, upper case for letters. */
  key: string;
  shift: boolean;
}

export const placeShortcuts = {
  overview: { key: '0', shift: false },
  library: { key: 'L', shift: true },
  review: { key: 'O', shift: true },
} as const satisfies Record<string, Shortcut>;

/** The account in the sidebar's n-th place (1–9). */
export const accountShortcut = (n: number): Shortcut => ({ key: String(n), shift: false });

/** "Control+Shift+L", as `aria-keyshortcuts` wants it. */
export function ariaKeys(s: Shortcut): string {
  return [isMac ? 'Meta' : 'Control', ...(s.shift ? ['Shift'] : []), s.key].join('+');
}

/** "Ctrl+Shift+L" or "⇧⌘L", for tooltips. */
export function keysText(s: Shortcut): string {
  return isMac ? `${s.shift ? '⇧' : ''}⌘${s.key}` : `Ctrl+${s.shift ? 'Shift+' : ''}${s.key}`;
}

export function matches(event: KeyboardEvent, s: Shortcut): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey !== s.shift) return false;
  return event.key.toUpperCase() === s.key;
}
