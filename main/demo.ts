import type { DemoEndpoints } from './accounts/service';

type Endpoints = Awaited<ReturnType<DemoEndpoints['ensure']>>;

/**
 * The built-in sandboxes behind demo accounts. They start on first use, on loopback ports
 * of their own, so a first run with no credentials can click through every view.
 */
export function createDemoSandboxes(): DemoEndpoints & { close(): Promise<void> } {
  let started: Promise<{ endpoints: Endpoints; close: () => Promise<void> }> | undefined;

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
      close: async () => {
        await Promise.all([spatialflow.close(), agilicus.close(), soracom.close()]);
      },
    };
  }

  return {
    ensure: async () => (await (started ??= start())).endpoints,
    close: async () => {
      if (started) await (await started).close();
      started = undefined;
    },
  };
}
