/// <reference types="vitest/config" />
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type Plugin, type UserConfig } from 'vite';

/**
 * One config, one mode per output:
 *   renderer        the Svelte UI        -> dist/renderer/
 *   main            Electron main        -> dist/main/index.cjs
 *   preload         contextBridge script -> dist/preload/index.cjs
 *   cli             `npx billfold`       -> dist/cli/billfold.cjs (package.json `bin`)
 *   harness-server  test/dev web bridge  -> dist/harness/server.cjs
 *   harness-bridge  window.billing over HTTP, injected into the page -> dist/harness-bridge/bridge.js
 *   bench           the benchmarks npm run bench runs                -> dist/bench/run.cjs
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const nodeExternals = ['electron', 'keytar', /^node:/, ...builtinModules];

function nodeBundle(entry: string, outDir: string, fileName: string): UserConfig {
  return {
    root,
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: true,
      target: 'node20',
      ssr: entry,
      sourcemap: false,
      minify: false,
      rollupOptions: {
        external: nodeExternals,
        output: { format: 'cjs', entryFileNames: fileName },
      },
    },
    ssr: { noExternal: true, external: ['electron', 'keytar'] },
  };
}

/**
 * Adds the CSV review worker thread (main/review/worker.ts) as review-worker.cjs beside the
 * bundle: the main process starts it from the folder of the running bundle.
 */
function withReviewWorker(config: UserConfig): UserConfig {
  const outDir = config.build?.outDir ?? 'dist';
  const worker: Plugin = {
    name: 'billfold-review-worker',
    apply: 'build',
    async closeBundle() {
      const base = nodeBundle('main/review/worker.ts', outDir, 'review-worker.cjs');
      await build({ ...base, configFile: false, logLevel: 'warn', build: { ...base.build, emptyOutDir: false } });
    },
  };
  return { ...config, plugins: [...(config.plugins ?? []), worker] };
}

export default defineConfig(({ mode }) => {
  switch (mode) {
    case 'main':
      return withReviewWorker(nodeBundle('main/index.ts', 'dist/main', 'index.cjs'));
    case 'preload':
      // Sandboxed preloads cannot load other files: everything goes in one CommonJS file.
      return nodeBundle('preload/index.ts', 'dist/preload', 'index.cjs');
    case 'cli': {
      const config = withReviewWorker(nodeBundle('main/cli/node.ts', 'dist/cli', 'billfold.cjs'));
      const output = config.build?.rollupOptions?.output;
      if (output && !Array.isArray(output)) output.banner = '#!/usr/bin/env node';
      return config;
    }
    case 'bench':
      return withReviewWorker(nodeBundle('scripts/bench/run.ts', 'dist/bench', 'run.cjs'));
    case 'harness-server':
      return withReviewWorker(nodeBundle('tests/harness/server.ts', 'dist/harness', 'server.cjs'));
    case 'harness-bridge':
      return {
        root,
        publicDir: false,
        build: {
          outDir: 'dist/harness-bridge',
          emptyOutDir: true,
          minify: false,
          lib: { entry: 'tests/harness/bridge.ts', formats: ['iife'], name: 'billfoldBridge', fileName: () => 'bridge.js' },
        },
      };
    case 'test':
      return {
        root,
        test: {
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 20_000,
          pool: 'forks',
        },
      };
    default: {
      // Set by `npm run dev`: the harness that runs the services and serves the bridge script.
      const harness = process.env['BILLFOLD_HARNESS_URL'];
      return {
        root: 'renderer',
        base: './',
        plugins: [
          svelte(),
          ...(harness
            ? [
                {
                  name: 'billfold-dev-bridge',
                  transformIndexHtml: (html: string) => html.replace('<head>', '<head>\n    <script src="/__bridge.js"></script>'),
                },
              ]
            : []),
        ],
        build: {
          outDir: '../dist/renderer',
          emptyOutDir: true,
          target: 'chrome130',
          sourcemap: false,
        },
        server: {
          host: '127.0.0.1',
          port: 5173,
          strictPort: false,
          proxy: harness ? Object.fromEntries(['/rpc', '/events', '/__bridge.js'].map((p) => [p, { target: harness, changeOrigin: true }])) : {},
        },
      };
    }
  }
});
