/** Provider writes that change what an account is (a plan, a card, a billing account), as opposed to reads and previews. */
const changingChannel = /^(spatialflow|agilicus)\.(add|set|remove|change|cancel|reactivate|create|replace|delete)[A-Z]/;

/**
 * Counts the writes that went through, per account, so messages that describe an account's state
 * (a connection test naming the plan) go away when that state changes.
 */
export const accountChanges = $state<Record<string, number>>({});

export function noteCall(channel: string, args: unknown): void {
  if (!changingChannel.test(channel)) return;
  const accountId = (args as { accountId?: unknown }).accountId;
  if (typeof accountId === 'string') accountChanges[accountId] = (accountChanges[accountId] ?? 0) + 1;
}

/**
 * A success message about an account ("Saved: customer id …"). Setting it replaces the one before,
 * and it goes away by itself once another write changes the account, so messages never pile up
 * with an old state beside the new one.
 */
export class SuccessMessage {
  #text = $state<string | undefined>();
  #at = $state(0);
  readonly #accountId: () => string;

  constructor(accountId: () => string, initial?: string) {
    this.#accountId = accountId;
    if (initial !== undefined) this.set(initial);
  }

  set(text: string | undefined): void {
    this.#text = text;
    this.#at = accountChanges[this.#accountId()] ?? 0;
  }

  get text(): string | undefined {
    return this.#text !== undefined && (accountChanges[this.#accountId()] ?? 0) === this.#at ? this.#text : undefined;
  }
}
