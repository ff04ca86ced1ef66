import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeModules = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'stream', 'worker_threads', 'url', 'util'];

const moduleNames = new Set(['electron', 'keytar', ...nodeModules]);

// Forbids exact module names (electron) and path patterns (any main/ folder) with one message.
function restrict(list, message) {
  const paths = list.filter((name) => moduleNames.has(name)).map((name) => ({ name, message }));
  const group = list.filter((name) => !moduleNames.has(name));
  return { 'no-restricted-imports': ['error', { paths, patterns: [{ group, message }] }] };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  // Each environment imports only what it may run.
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      ['electron', 'keytar', 'node:*', ...nodeModules, '**/main/**', '**/preload/**'],
      'The renderer reaches the main process only through window.billing; it imports no Node, Electron, keytar or main-process code.',
    ),
  },
  {
    files: ['main/**'],
    ignores: ['main/electron/**'],
    rules: restrict(['electron', '**/renderer/**'], 'Only main/electron/ imports electron, and the main process never imports renderer code.'),
  },
  {
    files: ['main/electron/**'],
    rules: restrict(['**/renderer/**'], 'The main process never imports renderer code.'),
  },
  {
    files: ['contract/**'],
    rules: restrict(
      ['electron', 'keytar', 'node:*', ...nodeModules, '**/main/**', '**/renderer/**', '**/preload/**'],
      'The contract is shared by every environment: only zod and types.',
    ),
  },
  {
    files: ['preload/**'],
    rules: restrict(
      ['keytar', 'node:*', ...nodeModules, '**/main/**', '**/renderer/**'],
      'The sandboxed preload imports only electron, the contract and its own files.',
    ),
  },
  {
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['tests/harness/bridge.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
