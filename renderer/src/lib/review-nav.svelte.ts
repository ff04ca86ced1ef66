/**
 * Asks the app to open the multi-file review from anywhere (the library, a Soracom month),
 * without threading a callback through every view in between.
 */
import { call } from './billing';

/** What to review: saved exports by library id, every export of an account, dropped files, or files chosen in the dialog. */
export type ReviewSetSource =
  | { kind: 'library'; libraryIds: string[] }
  | { kind: 'account'; accountId: string; accountName: string }
  /** Files dropped on the window, by the ids the main process gave; `refused` were not files it can open. */
  | { kind: 'dropped'; dropIds: string[]; refused: { fileName: string; message: string }[] }
  | { kind: 'choose' };

export interface ReviewSetRequest {
  source: ReviewSetSource;
  /** Months to open "What changed" with. */
  compare?: { from: string; to: string };
  /** Increases with every request, so asking twice for the same files opens them again. */
  n: number;
}

export const reviewNav = $state<{ request: ReviewSetRequest | undefined }>({ request: undefined });

let count = 0;

export function openReviewSet(source: ReviewSetSource, compare?: { from: string; to: string }): void {
  count += 1;
  reviewNav.request = compare ? { source, compare, n: count } : { source, n: count };
}

/**
 * A view reviews open from is on screen: the main process starts its review threads ahead, so
 * the review the user opens next does not wait for them. Nothing to show when it cannot.
 */
export function prepareReview(): void {
  void call('review.prepare', {}).catch(() => undefined);
}
