import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

/**
 * Svelte drops the whitespace at the start and the end of an element or a block, `&#32;`
 * included, so `{file}{#if rows}<span>&#32;({rows} rows)</span>{/if}` renders "file.csv(5 rows)".
 * A space that must stay goes between the nodes, outside the block: `{file} {#if rows}<span>(…)`.
 * This walks every template and lists the text that
 * starts (or ends) with a space at the edge of an inline element or a block glued to what comes
 * before (or after) it: that space is lost.
 */
function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? svelteFiles(full) : e.name.endsWith('.svelte') ? [full] : [];
  });
}

interface TemplateNode {
  type: string;
  name?: string;
  data?: string;
  start: number;
  end: number;
  [key: string]: unknown;
}
interface Fragment {
  nodes: TemplateNode[];
}

const inlineElements = new Set(['a', 'abbr', 'b', 'code', 'data', 'em', 'i', 'kbd', 'label', 'mark', 'output', 'q', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'time', 'u', 'var']);
const fragmentKeys = ['fragment', 'consequent', 'alternate', 'body', 'fallback', 'pending', 'then', 'catch'];

function fragmentsOf(node: TemplateNode): Fragment[] {
  return fragmentKeys.map((k) => node[k] as Fragment | null | undefined).filter((f): f is Fragment => !!f && Array.isArray(f.nodes));
}

/** Elements and blocks whose edges sit in running text (a `<p>` or a `<div>` starts a line of its own). */
function inRunningText(node: TemplateNode): boolean {
  return node.type.endsWith('Block') || (node.type === 'RegularElement' && inlineElements.has(node.name ?? ''));
}

const isText = (n: TemplateNode | undefined): n is TemplateNode & { data: string } => n?.type === 'Text';
const blank = (n: TemplateNode) => isText(n) && n.data.trim() === '';

/** The first character a node shows, as far as the template tells (an expression shows something). */
function firstShown(node: TemplateNode | undefined): string {
  if (!node) return '';
  if (isText(node)) return node.data.trimStart().charAt(0);
  if (node.type === 'ExpressionTag' || node.type === 'Component') return 'x';
  const first = fragmentsOf(node)[0]?.nodes.find((n) => !blank(n));
  return firstShown(first);
}

function lostSpaces(file: string, source = readFileSync(file, 'utf8')): string[] {
  const where = (at: number) => `${path.relative(process.cwd(), file)}:${source.slice(0, at).split('\n').length}`;
  const found: string[] = [];
  // `before`/`after`: the node touches visible content on that side without whitespace between.
  function walk(fragment: Fragment, outerBefore: boolean, outerAfter: boolean) {
    fragment.nodes.forEach((node, i) => {
      const prev = fragment.nodes[i - 1];
      const next = fragment.nodes[i + 1];
      const before = prev ? prev.type !== 'Comment' && !(isText(prev) && /\s$/.test(prev.data)) : outerBefore;
      const after = next ? next.type !== 'Comment' && !(isText(next) && /^\s/.test(next.data)) : outerAfter;
      const inline = inRunningText(node);
      for (const inner of fragmentsOf(node)) {
        const first = inner.nodes[0];
        const last = inner.nodes.at(-1);
        if (inline && before && isText(first) && !blank(first) && /^\s/.test(first.data)) found.push(`${where(first.start)}: "${first.data.trim()}" loses the space before it`);
        // No space is wanted before punctuation, as in "25 invoices loaded{#if more}; more{/if}".
        if (inline && after && isText(last) && !blank(last) && /\s$/.test(last.data) && !/^[.,;:!?)]/.test(firstShown(next))) {
          found.push(`${where(last.start)}: "${last.data.trim()}" loses the space after it`);
        }
        walk(inner, inline && before, inline && after);
      }
    });
  }
  walk(parse(source, { modern: true }).fragment as unknown as Fragment, false, false);
  return found;
}

describe('renderer templates', () => {
  it('keep the spaces at the edges of elements and blocks that running text needs', () => {
    const lost = svelteFiles(path.resolve('renderer/src')).flatMap((file) => lostSpaces(file));
    expect(lost).toEqual([]);
  });

  it('find the spaces Svelte drops, `&#32;` included, and accept the ones between nodes', () => {
    const template = [
      '<p>{file}{#if rows}<span>&#32;(5 rows)</span>{/if}</p>',
      '<p><strong>3 records</strong>{#if span} from May{/if}</p>',
      '<p>{#if n}{n} rows {/if}<em>saved</em></p>',
      '<p>{file} {#if rows}<span>(5 rows)</span>{/if}; {n} invoices loaded {#if more}; more{/if}</p>',
      '<p>\n  Saved {file}\n  <span class="path">in {folder}</span>\n</p>',
    ].join('\n');
    expect(lostSpaces(path.resolve('example.svelte'), template).map((line) => line.replace(/^.*?:(\d+):/, 'line $1:'))).toEqual([
      'line 1: "(5 rows)" loses the space before it',
      'line 2: "from May" loses the space before it',
      'line 3: "rows" loses the space after it',
    ]);
  });
});
