import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../src/ingest/chunker.js';
import { parseMarkdown } from '../../src/ingest/parse/markdown.js';

// A crude but monotone token counter: whitespace words (the real tokenizer is exercised in integration tests).
const words = { countTokens: (t: string) => (t.match(/\S+/g) ?? []).length };
const nonSpace = (t: string) => t.replace(/\s+/g, '');

describe('chunkDocument', () => {
  it('keeps every non-space character, maps spans exactly, and respects the token budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('p95 2.8 s.', 'Hello world!', '\n\n', '# Title\n', 'a.b.c', 'x', '...', 'Why? ', ' ')), { maxLength: 300 }),
        (parts) => {
          const text = parts.join(' ');
          const doc = parseMarkdown(text, 'src/doc.md', 'doc.md');
          const chunks = chunkDocument(doc, words, { targetTokens: 20, overlapTokens: 5 });
          for (const c of chunks) {
            expect(doc.text.slice(c.start, c.end)).toBe(c.text);
            expect(words.countTokens(c.text)).toBeLessThanOrEqual(20);
          }
          // Union of chunks covers all visible text, in order.
          let covered = '';
          let end = 0;
          for (const c of chunks) {
            if (c.end > end) covered += doc.text.slice(Math.max(c.start, end), c.end);
            end = Math.max(end, c.end);
          }
          expect(nonSpace(covered)).toBe(nonSpace(doc.text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('carries the heading path as context and overlaps consecutive chunks', () => {
    const body = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} talks about checkout latency.`).join(' ');
    const doc = parseMarkdown(`---\ntitle: T\n---\n# Runbook\n## Latency\n${body}\n`, 's/d.md', 'd.md');
    const chunks = chunkDocument(doc, words, { targetTokens: 40, overlapTokens: 10 });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[2]!.heading).toBe('Runbook > Latency');
    expect(chunks[1]!.start).toBeLessThan(chunks[0]!.end);
  });
});
