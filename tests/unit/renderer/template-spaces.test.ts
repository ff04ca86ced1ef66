import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Svelte drops the whitespace at the start and the end of a block, so `{#if rows} (5 rows){/if}`
 * renders "file.csv(5 rows)". A space that must stay is written `&#32;`. This finds blocks whose
 * first or last character is a plain space followed (or preceded) by text on the same line.
 */
function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? svelteFiles(full) : e.name.endsWith('.svelte') ? [full] : [];
  });
}

describe('renderer templates', () => {
  it('keep the spaces at the edges of {#if}/{:else}/{#each} blocks that text needs', () => {
    const glued: string[] = [];
    for (const file of svelteFiles(path.resolve('renderer/src'))) {
      const markup = readFileSync(file, 'utf8').replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, (m) => m.replace(/[^\n]/g, ' '));
      markup.split('\n').forEach((line, i) => {
        // A block opening followed by " text" or " <tag", on the same line.
        if (/\{(#if|:else if|:else|#each)[^}]*\} +(?!as\b)[^\s{]/.test(line)) glued.push(`${path.relative(process.cwd(), file)}:${i + 1}: ${line.trim()}`);
        // Text followed by " {/if}" (the space before the end is dropped too).
        if (/[^\s}>] +\{\/(if|each)\}/.test(line)) glued.push(`${path.relative(process.cwd(), file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(glued).toEqual([]);
  });
});
