/**
 * A list item the provider sent that Billfold could not read. It is left out of the list (the
 * others still show) and reported, so nobody mistakes a shorter list for the whole one.
 */
export interface UnreadableItem {
  /** Its position in the provider's answer, from 0. */
  index: number;
  /** The field that failed, as a path (`amount_due`, `customer.email`); '' for the item as a whole. */
  field: string;
  /** The value found there, as JSON, shortened. */
  value: string;
  /** What is wrong with it. */
  problem: string;
}
