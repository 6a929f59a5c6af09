import { parse, type HTMLElement } from 'node-html-parser';
import type { ParsedDoc } from '../document.js';

const DROP = 'script, style, noscript, nav, footer, header, template, svg, iframe, form';
const BLOCKS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'P', 'LI', 'TD', 'TH', 'PRE', 'BLOCKQUOTE', 'DT', 'DD', 'FIGCAPTION']);

/** HTML to readable text: chrome and scripts removed, one block per paragraph, headings kept as context. */
export function parseHtml(raw: string, docId: string, relPath: string): ParsedDoc {
  const root = parse(raw, { comment: false, blockTextElements: { script: false, style: false, noscript: false, pre: true } });
  const title = root.querySelector('title')?.text.trim();
  root.querySelector('head')?.remove();
  for (const node of root.querySelectorAll(DROP)) node.remove();
  const blocks: { text: string; level: number }[] = [];
  const walk = (element: HTMLElement) => {
    for (const child of element.childNodes) {
      const el = child as HTMLElement;
      if (!el.tagName) continue;
      if (BLOCKS.has(el.tagName)) {
        const text = el.text.replace(/\s+/g, ' ').trim();
        if (text) blocks.push({ text, level: /^H[1-6]$/.test(el.tagName) ? Number(el.tagName[1]) : 0 });
      } else walk(el);
    }
  };
  walk(root);
  let text = '';
  const headings: ParsedDoc['headings'] = [];
  for (const block of blocks) {
    if (text) text += '\n\n';
    if (block.level > 0) headings.push({ offset: text.length, level: block.level, text: block.text });
    text += block.text;
  }
  return { docId, path: relPath, title: title || headings[0]?.text || relPath, text, updatedAt: null, headings };
}
