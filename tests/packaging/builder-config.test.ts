// electron-builder.yml checked against electron-builder's own JSON schema, and the settings the
// release depends on pinned: targets, Linux package metadata, macOS signing, fuses, file lists.
import { Ajv } from 'ajv';
import { getConfig } from 'app-builder-lib/out/util/config/config';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const schemaFile = require.resolve('app-builder-lib/scheme.json');
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object;
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  homepage?: string;
  main: string;
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

type Config = Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; category: string; maintainer: string; executableName: string };
  deb: { depends: string[] };
  mac: { target: { target: string; arch: string[] }[]; hardenedRuntime: boolean; entitlements: string; entitlementsInherit: string };
  win: { target: string[] };
};

function load(file: string): Config {
  return parse(fs.readFileSync(path.join(root, file), 'utf8')) as Config;
}

// The options electron-builder validates with (app-builder-lib/out/util/config/schemaValidator.js),
// except type coercion: a wrong type here is an error, not something to convert.
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function schemaErrors(config: unknown): string[] {
  return validate(config) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** What electron-builder's own getConfig makes of a config file (extends resolved, defaults merged). */
async function resolved(file: string): Promise<Record<string, unknown>> {
  return (await getConfig(root, path.join(root, file), null)) as unknown as Record<string, unknown>;
}

const releaseFuses = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
};

describe('electron-builder configuration', () => {
  const config = load('electron-builder.yml');

  it('matches electron-builder’s JSON schema (app-builder-lib/scheme.json)', () => {
    expect(schemaErrors(config)).toEqual([]);
    expect(schemaErrors(load('electron-builder.e2e.yml'))).toEqual([]);
  });

  it('the schema check has teeth: unknown keys and wrong types are rejected', () => {
    expect(schemaErrors({ ...config, appid: 'typo' })).not.toEqual([]);
    expect(schemaErrors({ ...config, electronFuses: { ...config.electronFuses, runAsNodee: false } })).not.toEqual([]);
    expect(schemaErrors({ ...config, mac: { ...config.mac, hardenedRuntime: 'yes' } })).not.toEqual([]);
  });

  it('names the app', () => {
    expect(config['appId']).toBe('io.billfold.app');
    expect(config['productName']).toBe('Billfold');
    expect(config['directories']).toEqual({ output: 'release', buildResources: 'build' });
  });

  it('builds AppImage and deb for Linux with the package metadata a distribution expects', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category.split(';')).toEqual(['Office', 'Finance']);
    expect(config.linux.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(config.linux.executableName).toBe('billfold');
    expect(packageJson.homepage).toMatch(/^https:\/\//);
    expect(config.deb.depends).toContain('libsecret-1-0');
    // `depends` replaces electron-builder's default list: Electron's own libraries must stay in it.
    for (const lib of ['libgtk-3-0', 'libnss3', 'libnotify4', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1']) {
      expect(config.deb.depends).toContain(lib);
    }
  });

  it('builds a dmg for x64 and arm64 with the hardened runtime and minimal entitlements', () => {
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
    expect(config.mac.hardenedRuntime).toBe(true);
    for (const file of [config.mac.entitlements, config.mac.entitlementsInherit]) {
      const plist = fs.readFileSync(path.join(root, file), 'utf8');
      const granted = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
      expect(granted).toEqual(['com.apple.security.cs.allow-jit']);
    }
  });

  it('builds an NSIS installer for Windows', () => {
    expect(config.win.target).toEqual(['nsis']);
  });

  it('packs only built output, with keytar’s native module unpacked from the asar', () => {
    const included = config.files.filter((pattern) => !pattern.startsWith('!'));
    expect(included).toEqual(['dist/main/**', 'dist/preload/**', 'dist/renderer/**', 'package.json', '**/node_modules/keytar/**']);
    for (const excluded of ['!**/*.map', '!**/*.{ts,tsx,mts,cts}', '!**/.env*', '!**/node_modules/**']) {
      expect(config.files).toContain(excluded);
    }
    expect(config['asar']).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    expect(packageJson.main).toBe('dist/main/index.cjs');
  });

  it('sets the release fuses: no run-as-node, NODE_OPTIONS or inspector; encrypted cookies; asar integrity', () => {
    expect(config.electronFuses).toEqual(releaseFuses);
  });

  it('the test build differs from the release only in the inspector fuse Playwright needs, and its test-build mark', async () => {
    const release = await resolved('electron-builder.yml');
    const e2e = await resolved('electron-builder.e2e.yml');
    expect(e2e['electronFuses']).toEqual({ ...releaseFuses, enableNodeCliInspectArguments: true });
    expect(release['electronFuses']).toEqual(releaseFuses);
    // The mark keeps the developer tools in the test build's menu; the release has none.
    expect(e2e['extraMetadata']).toEqual({ billfoldTestBuild: true });
    expect(release['extraMetadata']).toBeUndefined();
    const { electronFuses: _a, directories: _b, extends: _c, ...releaseRest } = release;
    const { electronFuses: _d, directories: _e, extends: _f, extraMetadata: _g, ...e2eRest } = e2e;
    expect(e2eRest).toEqual(releaseRest);
    expect((e2e['directories'] as { output: string }).output).toBe('release/e2e');
  });

  it('`npm run dist` builds the release for the current OS, and Electron is pinned', () => {
    expect(packageJson.scripts['dist']).toMatch(/^npm run build && electron-builder\b/);
    expect(packageJson.scripts['dist']).not.toMatch(/--(linux|mac|win)\b|-[lmw]\b/);
    expect(packageJson.devDependencies['electron']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
