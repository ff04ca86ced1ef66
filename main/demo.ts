import type { DemoEndpoints } from './accounts/service';
import type { ProviderId } from '../contract/models/app';
import type { SandboxServer } from './sandbox/kit';

type Endpoints = Awaited<ReturnType<DemoEndpoints['ensure']>>;

/**
 * The built-in sandboxes behind demo accounts. They start on first use, on loopback ports
 * of their own, so a first run with no credentials can click through every view.
 */
export function createDemoSandboxes(): DemoEndpoints & {
  close(): Promise<void>;
  servers(): Promise<Record<ProviderId, SandboxServer>>;
  /** Takes every demo API off the network (connection refused) and back on the same ports, state kept; for offline tests. */
  setReachable(reachable: boolean): Promise<void>;
} {
  let started: Promise<{ endpoints: Endpoints; servers: Record<ProviderId, SandboxServer>; close: () => Promise<void> }> | undefined;

  async function start() {
    const [{ startSpatialFlowSandbox }, { startAgilicusSandbox }, { startSoracomSandbox }] = await Promise.all([
      import('./sandbox/spatialflow'),
      import('./sandbox/agilicus'),
      import('./sandbox/soracom'),
    ]);
    const [spatialflow, agilicus, soracom] = await Promise.all([startSpatialFlowSandbox(), startAgilicusSandbox(), startSoracomSandbox()]);
    return {
      endpoints: {
        spatialflow: { apiUrl: spatialflow.apiUrl, credentials: spatialflow.credentials },
        agilicus: { apiUrl: agilicus.apiUrl, credentials: agilicus.credentials },
        soracom: { apiUrl: soracom.apiUrl, credentials: soracom.credentials },
      },
      servers: { spatialflow: spatialflow.server, agilicus: agilicus.server, soracom: soracom.server },
      close: async () => {
        await Promise.all([spatialflow.close(), agilicus.close(), soracom.close()]);
      },
    };
  }

  return {
    ensure: async () => (await (started ??= start())).endpoints,
    /** The running servers, for tests that inject faults. */
    servers: async () => (await (started ??= start())).servers,
    setReachable: async (reachable) => {
      const servers = Object.values((await (started ??= start())).servers);
      await Promise.all(servers.map((server) => (reachable ? server.resume() : server.suspend())));
    },
    close: async () => {
      if (started) await (await started).close();
      started = undefined;
    },
  };
}
