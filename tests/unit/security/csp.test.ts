// The renderer's Content-Security-Policy, directive by directive, and the places that must send
// it or must not need more than it allows.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../../main/security/csp';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (!name) continue;
    expect(map.has(name), `${name} appears once`).toBe(false);
    map.set(name.toLowerCase(), values);
  }
  return map;
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => pattern.test(f))
    .map((f) => path.join(dir, f));
}

describe('Content-Security-Policy', () => {
  const policy = directives(contentSecurityPolicy);

  it('pins every directive', () => {
    expect(Object.fromEntries(policy)).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      'connect-src': ["'self'"],
      'worker-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
      'object-src': ["'none'"],
    });
  });

  it('allows no eval, inline code, wildcard, remote origin or insecure scheme', () => {
    for (const [name, values] of policy) {
      for (const value of values) {
        expect(value, name).not.toMatch(/unsafe-|strict-dynamic|wasm-unsafe|^\*|\*\.|^https?:|^wss?:|^blob:|^filesystem:|nonce-|sha\d+-/i);
        if (value === 'data:') expect(name, 'data: is only for images').toBe('img-src');
      }
    }
  });

  it('keeps frames, plugins, base URL rewriting and form posts out', () => {
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
    // frame-src and child-src fall back to default-src 'none': no iframes at all.
    expect(policy.has('frame-src') || policy.has('child-src')).toBe(false);
  });

  it('is the one policy sent by the app:// handler and by the test harness', () => {
    for (const file of ['main/electron/protocol.ts', 'tests/harness/server.ts']) {
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      expect(source, file).toMatch(/import \{ contentSecurityPolicy \} from '[./]+\/?(main\/)?security\/csp'/);
      expect(source, file).toMatch(/'Content-Security-Policy': contentSecurityPolicy/);
    }
  });

  it('needs no inline script: the page loads only its own module', () => {
    const html = fs.readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\.\/[^"]+"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // inline event handlers
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i); // remote resources
  });

  it('the renderer uses no HTML or code sinks that would make provider data executable', () => {
    for (const file of filesUnder('renderer/src', /\.(svelte|ts)$/)) {
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      expect(source, file).not.toMatch(/\{@html\b|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setTimeout\(\s*['"`]/);
    }
  });

  it('the renderer markup has no inline style attributes (blocked by style-src), only style: directives', () => {
    const svelteFiles = filesUnder('renderer/src', /\.svelte$/);
    expect(svelteFiles.length).toBeGreaterThan(0);
    for (const file of svelteFiles) {
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      // Only the markup: a `<script>` may name a variable `style`, a `<style>` block is a stylesheet.
      const markup = source.replace(/<script\b[\s\S]*?<\/script>/gi, '').replace(/<style\b[\s\S]*?<\/style>/gi, '');
      // `style="…"`, `style='…'`, `style={…}` and the `{style}` shorthand all set the attribute;
      // `style:prop={…}` sets one property through the CSSOM, which the policy allows.
      expect(markup, file).not.toMatch(/\sstyle\s*=|\s\{style\}/i);
    }
  });
});
