import type { BillingApi } from '../../contract';

declare global {
  interface Window {
    billing: BillingApi;
  }
}
