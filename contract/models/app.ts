export type ProviderId = 'spatialflow' | 'agilicus' | 'soracom';

export interface AppInfo {
  name: string;
  version: string;
  /** Which shell carries the channels: the Electron app, or the browser harness used in tests and `npm run web`. */
  shell: 'electron' | 'web';
  platform: string;
}

export interface AccountSummary {
  id: string;
  name: string;
  provider: ProviderId;
  baseUrl: string;
}
