/// <reference types="vitest/config" />
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';

/**
 * One config, one mode per output:
 *   renderer        the Svelte UI        -> dist/renderer/
 *   main            Electron main        -> dist/main/index.cjs
 *   preload         contextBridge script -> dist/preload/index.cjs
 *   harness-server  test/dev web bridge  -> dist/harness/server.cjs
 *   harness-bridge  window.billing over HTTP, injected into the page -> dist/harness/bridge.js
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
        output: { format: 'cjs', entryFileNames: fileName, inlineDynamicImports: false },
      },
    },
    ssr: { noExternal: true, external: ['electron', 'keytar'] },
  };
}

export default defineConfig(({ mode }) => {
  switch (mode) {
    case 'main':
      return nodeBundle('main/index.ts', 'dist/main', 'index.cjs');
    case 'preload':
      // Sandboxed preloads cannot load other files: everything goes in one CommonJS file.
      return nodeBundle('preload/index.ts', 'dist/preload', 'index.cjs');
    case 'harness-server':
      return nodeBundle('tests/harness/server.ts', 'dist/harness', 'server.cjs');
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
    default:
      return {
        root: 'renderer',
        base: './',
        plugins: [svelte()],
        build: {
          outDir: '../dist/renderer',
          emptyOutDir: true,
          target: 'chrome130',
          sourcemap: false,
        },
        server: { host: '127.0.0.1', port: 5173, strictPort: false },
      };
  }
});
