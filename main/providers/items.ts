import { z } from 'zod';
import type { UnreadableItem } from '../../contract/models/unreadable';

const unreadableKey = Symbol('unreadable items');

/** An array read item by item, carrying the items that were left out. */
export type ReadItems<T> = T[] & { readonly [unreadableKey]: UnreadableItem[] };

/** The value as JSON, cut to a length that fits a line. */
function shortJson(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'missing' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function valueAt(item: unknown, path: readonly PropertyKey[]): unknown {
  let at = item;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** Describes why `item` (at `index`) could not be read, from its first problem. */
export function unreadableItem(index: number, item: unknown, error: z.ZodError | Error): UnreadableItem {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const path = issue?.path ?? [];
    return { index, field: path.map(String).join('.'), value: shortJson(valueAt(item, path)), problem: issue?.message ?? 'not readable' };
  }
  return { index, field: '', value: shortJson(item), problem: error.message };
}

/**
 * A list whose items are checked one by one: an item that fails is left out and remembered (see
 * `unreadableOf`), so one bad invoice does not hide the other forty-nine.
 */
export function readableItems<T extends z.ZodType>(item: T) {
  return z.array(z.unknown()).transform((raw): ReadItems<z.output<T>> => {
    const items: z.output<T>[] = [];
    const unreadable: UnreadableItem[] = [];
    raw.forEach((value, index) => {
      const parsed = item.safeParse(value);
      if (parsed.success) items.push(parsed.data);
      else unreadable.push(unreadableItem(index, value, parsed.error));
    });
    // Not enumerable: the list still compares and serialises as the plain array it is.
    Object.defineProperty(items, unreadableKey, { value: unreadable, enumerable: false });
    return items as ReadItems<z.output<T>>;
  });
}

/** The items `readableItems` left out of this list (none for a plain array). */
export function unreadableOf(list: readonly unknown[] | null | undefined): UnreadableItem[] {
  return (list as Partial<ReadItems<unknown>> | null | undefined)?.[unreadableKey] ?? [];
}

/**
 * Maps each item, leaving out (and reporting) those the mapping cannot read, such as an amount in
 * an unknown currency. `start` is what was already left out while parsing.
 */
export function mapReadable<I, O>(list: readonly I[], map: (item: I) => O, start: UnreadableItem[] = unreadableOf(list)): { items: O[]; unreadable: UnreadableItem[] } {
  const items: O[] = [];
  const unreadable = [...start];
  list.forEach((item, i) => {
    try {
      items.push(map(item));
    } catch (error) {
      unreadable.push(unreadableItem(i, item, error instanceof Error ? error : new Error(String(error))));
    }
  });
  return { items, unreadable };
}

/** `{ unreadable }` when something was left out, `{}` otherwise, to spread into a result. */
export function unreadableField(unreadable: UnreadableItem[]): { unreadable?: UnreadableItem[] } {
  return unreadable.length > 0 ? { unreadable } : {};
}
