import fs from 'node:fs';
import { createRequire } from 'node:module';

/**
 * What the Electron end-to-end suite can start on this machine:
 * - `packaged`: an app built with `npm run dist:e2e`, named by BILLFOLD_E2E_EXECUTABLE;
 * - `development`: the built app (dist/) in the Electron binary that `electron` resolves to, the
 *   one a normal `npm install` fetches, or ELECTRON_OVERRIDE_DIST_PATH's;
 * - `missing`: neither, with the reason. scripts/test-electron.mjs applies the same rules.
 */
export type ElectronTarget =
  | { kind: 'packaged'; executablePath: string }
  | { kind: 'development'; executablePath: string }
  | { kind: 'missing'; reason: string };

export function findElectronTarget(env: NodeJS.ProcessEnv = process.env): ElectronTarget {
  const packaged = env['BILLFOLD_E2E_EXECUTABLE'];
  if (packaged) {
    if (!fs.existsSync(packaged)) throw new Error(`BILLFOLD_E2E_EXECUTABLE names ${packaged}, which does not exist (build it with \`npm run dist:e2e\`).`);
    return { kind: 'packaged', executablePath: packaged };
  }
  let executablePath: unknown;
  try {
    // In Node, the `electron` package exports the path of its binary.
    executablePath = createRequire(import.meta.url)('electron');
  } catch {
    return {
      kind: 'missing',
      reason:
        'no Electron binary: node_modules/electron was installed without it (ELECTRON_SKIP_BINARY_DOWNLOAD); `npm start` fetches it, or set ELECTRON_OVERRIDE_DIST_PATH to an Electron build',
    };
  }
  if (typeof executablePath !== 'string' || !fs.existsSync(executablePath)) {
    return { kind: 'missing', reason: `no Electron binary at ${String(executablePath)} (check ELECTRON_OVERRIDE_DIST_PATH)` };
  }
  return { kind: 'development', executablePath };
}
