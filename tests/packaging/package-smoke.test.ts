// Packaging smoke test: a real `electron-builder --linux dir` run over the built app, with a
// stand-in Electron distribution so nothing is downloaded, then app.asar opened and inspected.
// The stand-in is a shell script carrying Electron's fuse wire (sentinel, version, length, one
// byte per fuse, at Electron's defaults), so electron-builder flips the release fuses in it exactly
// as it does in the real binary and the test reads them back.
//
// Needs `npm run build` first. Runs offline: inside a network namespace where `unshare` allows
// it, and with empty electron-builder and Electron caches that must still be empty afterwards.
import { extractFile, listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const electronVersion = (JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }).version;
const builderCli = require.resolve('electron-builder/cli.js');
const sentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLED = 0x31;
const DISABLED = 0x30;

interface Build {
  status: number | null;
  log: string;
  isolation: string;
  appOutDir: string;
  asar: string;
  entries: string[];
  caches: string[];
}

function makeStandInElectron(dir: string): void {
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  // Electron's defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, inspector on,
  // asar integrity off, only-asar off, browser V8 snapshot off, file:// privileges on.
  const wire = Buffer.concat([Buffer.from(sentinel), Buffer.from([1, 8]), Buffer.from('10110001')]);
  const script = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stand-in Electron for packaging tests; it cannot run an app" >&2\nexit 1\n# '),
    wire,
    Buffer.from('\n'),
  ]);
  fs.writeFileSync(path.join(dir, 'electron'), script, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'version'), electronVersion);
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'Electron license (stand-in)\n');
  fs.writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>Chromium licenses (stand-in)</title>\n');
  fs.writeFileSync(path.join(dir, 'locales/en-US.pak'), 'stand-in');
  fs.writeFileSync(path.join(dir, 'resources.pak'), 'stand-in');
  fs.writeFileSync(path.join(dir, 'icudtl.dat'), 'stand-in');
}

/** The strongest offline guarantee this machine allows: a private network namespace. */
function isolation(): { prefix: string[]; name: string } {
  for (const prefix of [['unshare', '-n'], ['unshare', '-rn']]) {
    if (spawnSync(prefix[0]!, [...prefix.slice(1), 'true']).status === 0) return { prefix, name: `no network (${prefix.join(' ')})` };
  }
  return { prefix: [], name: 'no network namespace available; relying on the empty-cache check' };
}

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
}

function build(work: string, configFile: string): Build {
  const electronDist = path.join(work, 'electron-dist');
  if (!fs.existsSync(electronDist)) makeStandInElectron(electronDist);
  const output = path.join(work, path.basename(configFile, '.yml'));
  const caches = [path.join(work, 'cache-electron-builder'), path.join(work, 'cache-electron')];
  const { prefix, name } = isolation();
  const command = [
    ...prefix,
    process.execPath,
    builderCli,
    '--linux',
    'dir',
    '--projectDir',
    root,
    '--config',
    configFile,
    '--publish',
    'never',
    `-c.electronDist=${electronDist}`,
    `-c.electronVersion=${electronVersion}`,
    '-c.npmRebuild=false',
    `-c.directories.output=${output}`,
  ];
  const result = spawnSync(command[0]!, command.slice(1), {
    cwd: root,
    encoding: 'utf8',
    timeout: 150_000,
    env: {
      // Not inside Vitest as far as electron-builder knows: under VITEST it hides its log and hard-links files.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST'))),
      ELECTRON_BUILDER_CACHE: caches[0],
      electron_config_cache: caches[1],
      ELECTRON_CACHE: caches[1],
      CSC_IDENTITY_AUTO_DISCOVERY: 'false',
    },
  });
  const appOutDir = fs.existsSync(output) ? path.join(output, fs.readdirSync(output).find((d) => /^linux.*-unpacked$/.test(d)) ?? 'missing') : output;
  const asar = path.join(appOutDir, 'resources/app.asar');
  const entries = fs.existsSync(asar)
    ? listPackage(asar, { isPack: false }).map((e) => e.split(path.sep).join('/').replace(/^\//, ''))
    : [];
  return { status: result.status, log: `${result.stdout}\n${result.stderr}`, isolation: name, appOutDir, asar, entries, caches };
}

function isFileEntry(asar: string, entry: string): boolean {
  return 'size' in statFile(asar, entry);
}

let work: string;
let release: Build;

beforeAll(() => {
  for (const built of ['dist/main/index.cjs', 'dist/preload/index.cjs', 'dist/renderer/index.html']) {
    if (!fs.existsSync(path.join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` before the packaging tests`);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-package-'));
  release = build(work, 'electron-builder.yml');
  console.log(`packaging smoke test: electron-builder --linux dir with a stand-in Electron ${electronVersion}; ${release.isolation}`);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('electron-builder --linux dir (release configuration)', () => {
  it('packages without error and without downloading anything', () => {
    expect(release.status, release.log).toBe(0);
    expect(release.log).toMatch(/using custom unpacked Electron distribution/);
    expect(release.log).toMatch(/skipped dependencies rebuild/);
    expect(release.log).not.toMatch(/\bdownload(ing|ed)\b/i);
    for (const cache of release.caches) expect(filesUnder(cache), cache).toEqual([]);
  });

  it('contains the built main, preload and renderer, complete', () => {
    const files = release.entries.filter((e) => isFileEntry(release.asar, e));
    for (const folder of ['dist/main', 'dist/preload', 'dist/renderer']) {
      const built = filesUnder(path.join(root, folder)).map((f) => `${folder}/${f.split(path.sep).join('/')}`);
      expect(built.length, folder).toBeGreaterThan(0);
      for (const file of built) expect(files, file).toContain(file);
    }
    const html = fs.readFileSync(path.join(root, 'dist/renderer/index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `dist/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(files, asset).toContain(asset);
    const manifest = JSON.parse(extractFile(release.asar, 'package.json').toString('utf8')) as Record<string, unknown>;
    expect(files).toContain(manifest['main']);
    expect(manifest).not.toHaveProperty('scripts');
    expect(manifest).not.toHaveProperty('devDependencies');
  });

  it('contains nothing but built output and keytar', () => {
    const allowed = /^(package\.json|dist|dist\/(main|preload|renderer)(\/.*)?|node_modules|node_modules\/keytar(\/.*)?)$/;
    expect(release.entries.filter((e) => !allowed.test(e))).toEqual([]);
  });

  it('has no TypeScript sources, tests, source maps, lock files or environment files', () => {
    const offending = release.entries.filter((e) =>
      /\.(ts|tsx|mts|cts|map|svelte)$|(^|\/)(src|tests?|__tests__|spec|scripts|contract|harness(-bridge)?)(\/|$)|\.(test|spec)\.[cm]?[jt]s$|(^|\/)\.env|(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|tsconfig[^/]*\.json|vite\.config\.[^/]+)$/.test(e),
    );
    expect(offending).toEqual([]);
  });

  it('has no secrets: no key or credential files, no key material or tokens in any packed text', () => {
    expect(release.entries.filter((e) => /(^|\/)(\.npmrc|\.netrc|id_rsa|id_ed25519|credentials[^/]*)$|\.(pem|key|p12|pfx|keystore)$/i.test(e))).toEqual([]);
    const secret = /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bsk_live_[A-Za-z0-9]{16,}/;
    for (const entry of release.entries.filter((e) => /\.(c?js|mjs|json|html|css|txt|md)$/.test(e) && isFileEntry(release.asar, e))) {
      expect(secret.test(extractFile(release.asar, entry).toString('utf8')), entry).toBe(false);
    }
  });

  it('unpacks keytar’s native module next to the asar, byte for byte the built one', () => {
    const nodeFiles = release.entries.filter((e) => e.endsWith('.node'));
    expect(nodeFiles).toEqual(['node_modules/keytar/build/Release/keytar.node']);
    for (const entry of nodeFiles) {
      expect(statFile(release.asar, entry), entry).toMatchObject({ unpacked: true });
      const unpacked = path.join(release.appOutDir, 'resources/app.asar.unpacked', entry);
      expect(fs.readFileSync(unpacked).equals(fs.readFileSync(path.join(root, entry))), entry).toBe(true);
    }
  });

  it('ships the PDF statement font and its licence beside the asar, where the app looks for it', () => {
    const fonts = path.join(release.appOutDir, 'resources/fonts');
    expect(fs.readdirSync(fonts).sort()).toEqual(['IPA_Font_License_Agreement_v1.0.txt', 'README.md', 'Readme_IPAfont00303.txt', 'ipag.ttf']);
    expect(fs.readFileSync(path.join(fonts, 'ipag.ttf')).equals(fs.readFileSync(path.join(root, 'main/files/fonts/ipag.ttf')))).toBe(true);
    expect(release.entries.some((e) => e.endsWith('.ttf'))).toBe(false);
  });

  it('flips the release fuses in the packaged executable', async () => {
    const executable = path.join(release.appOutDir, 'billfold');
    expect(fs.statSync(executable).mode & 0o111).not.toBe(0);
    const wire = await getCurrentFuseWire(executable);
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      enableCookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      enableNodeOptionsEnvironmentVariable: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      enableNodeCliInspectArguments: wire[FuseV1Options.EnableNodeCliInspectArguments],
      enableEmbeddedAsarIntegrityValidation: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyLoadAppFromAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      loadBrowserProcessSpecificV8Snapshot: wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot],
      grantFileProtocolExtraPrivileges: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toEqual({
      runAsNode: DISABLED,
      enableCookieEncryption: ENABLED,
      enableNodeOptionsEnvironmentVariable: DISABLED,
      enableNodeCliInspectArguments: DISABLED,
      enableEmbeddedAsarIntegrityValidation: ENABLED,
      onlyLoadAppFromAsar: ENABLED,
      loadBrowserProcessSpecificV8Snapshot: DISABLED,
      grantFileProtocolExtraPrivileges: DISABLED,
    });
  });

  it('keeps Electron’s license next to the executable', () => {
    expect(fs.existsSync(path.join(release.appOutDir, 'LICENSE.electron.txt'))).toBe(true);
    expect(fs.existsSync(path.join(release.appOutDir, 'LICENSES.chromium.html'))).toBe(true);
  });
});

describe('electron-builder --linux dir (test build, electron-builder.e2e.yml)', () => {
  it('packs the same files and differs only in the inspector fuse', async () => {
    const e2e = build(work, 'electron-builder.e2e.yml');
    expect(e2e.status, e2e.log).toBe(0);
    expect(e2e.entries).toEqual(release.entries);
    const wire = await getCurrentFuseWire(path.join(e2e.appOutDir, 'billfold'));
    const releaseWire = await getCurrentFuseWire(path.join(release.appOutDir, 'billfold'));
    expect(wire).toEqual({ ...releaseWire, [FuseV1Options.EnableNodeCliInspectArguments]: ENABLED });
    for (const cache of e2e.caches) expect(filesUnder(cache), cache).toEqual([]);
  });
});
