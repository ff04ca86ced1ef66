import type { ProviderId } from '../../contract/models/app';
import type { AgilicusCredentialsInput, SoracomCredentialsInput, SpatialFlowCredentialsInput } from '../../contract/channels/accounts';
import { createAgilicusClient, type AgilicusClient } from '../providers/agilicus/client';
import { createSoracomClient, type SoracomClient } from '../providers/soracom/client';
import { createSpatialFlowClient, type SpatialFlowClient } from '../providers/spatialflow/client';
import type { HttpClientOptions } from '../http/types';
import type { SessionStore } from '../providers/session-store';

export interface ProviderClients {
  spatialflow: SpatialFlowClient;
  agilicus: AgilicusClient;
  soracom: SoracomClient;
}

export interface ProviderCredentials {
  spatialflow: SpatialFlowCredentialsInput;
  agilicus: AgilicusCredentialsInput;
  soracom: SoracomCredentialsInput;
}

/** Builds a provider's client from an account's base URL, its credentials and its keychain-backed session. */
export type Connectors = {
  [P in ProviderId]: (baseUrl: string, credentials: ProviderCredentials[P], session: SessionStore<never>, http?: Partial<HttpClientOptions>) => ProviderClients[P];
};

export const providerConnectors: Connectors = {
  spatialflow: (baseUrl, credentials, session, http = {}) => createSpatialFlowClient({ baseUrl, credentials, session, http }),
  agilicus: (baseUrl, credentials, session, http = {}) => createAgilicusClient({ baseUrl, credentials, session, http }),
  soracom: (baseUrl, credentials, session, http = {}) => createSoracomClient({ baseUrl, credentials, session, http }),
};

/** One cheap read per provider, described in words for the "Test connection" button. */
export async function describeConnection<P extends ProviderId>(provider: P, client: ProviderClients[P]): Promise<string> {
  switch (provider) {
    case 'spatialflow': {
      const s = await (client as SpatialFlowClient).testConnection();
      return `Connected to SpatialFlow: plan ${s.plan}, subscription ${s.status}.`;
    }
    case 'agilicus': {
      const a = await (client as AgilicusClient).testConnection();
      return `Connected to Agilicus: ${a.billingAccounts === 0 ? 'no billing account is visible to this token yet' : 'billing accounts are visible'}.`;
    }
    default: {
      const o = await (client as SoracomClient).testConnection();
      return `Connected to Soracom as operator ${o.operatorId}.`;
    }
  }
}
