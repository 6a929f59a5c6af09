import type { ParsedDoc } from './document.js';

export interface TokenCounter {
  countTokens(text: string): number;
}

export interface ChunkOptions {
  /** Tokens of chunk body (the model's limit is 256 including title/heading context and specials). */
  targetTokens: number;
  overlapTokens: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { targetTokens: 180, overlapTokens: 40 };

export interface Chunk {
  ordinal: number;
  start: number;
  end: number;
  text: string;
  heading: string;
}

interface Unit {
  start: number;
  end: number;
  tokens: number;
}

/** Sentence-ish units with exact offsets: paragraphs, then sentences, then words for run-on text. */
function units(text: string, counter: TokenCounter, maxTokens: number): Unit[] {
  const out: Unit[] = [];
  for (const match of text.matchAll(/[^\n]+(?:\n(?!\s*\n)[^\n]+)*/g)) {
    const paragraphStart = match.index;
    const paragraph = match[0];
    // A sentence runs to a terminator followed by whitespace (so "2.8 s" stays whole), or to the paragraph end.
    for (const sentence of paragraph.matchAll(/\S[\s\S]*?(?:[.!?](?=\s)|$)/g)) {
      const raw = sentence[0];
      const lead = raw.length - raw.trimStart().length;
      const trimmed = raw.trim();
      if (!trimmed) continue;
      const start = paragraphStart + sentence.index + lead;
      const end = start + trimmed.length;
      const tokens = counter.countTokens(trimmed);
      if (tokens <= maxTokens) {
        out.push({ start, end, tokens });
        continue;
      }
      // A run-on sentence: split on whitespace into pieces that fit.
      let pieceStart = start;
      let pieceTokens = 0;
      for (const word of trimmed.matchAll(/\S+/g)) {
        const wordStart = start + word.index;
        const wordEnd = wordStart + word[0].length;
        const wordTokens = counter.countTokens(word[0]);
        if (pieceTokens > 0 && pieceTokens + wordTokens > maxTokens) {
          out.push({ start: pieceStart, end: text.slice(pieceStart, wordStart).trimEnd().length + pieceStart, tokens: pieceTokens });
          pieceStart = wordStart;
          pieceTokens = 0;
        }
        pieceTokens += wordTokens;
        if (wordEnd === end) out.push({ start: pieceStart, end, tokens: pieceTokens });
      }
    }
  }
  return out;
}

function headingAt(doc: ParsedDoc, offset: number): string {
  const path: string[] = [];
  for (const heading of doc.headings) {
    if (heading.offset > offset) break;
    path.length = Math.min(path.length, heading.level - 1);
    path[heading.level - 1] = heading.text;
  }
  return path.filter(Boolean).join(' > ');
}

/**
 * Token-aware chunks with overlap. Every chunk's text is exactly `doc.text.slice(start, end)`, so a
 * citation span always maps back to the source.
 */
export function chunkDocument(doc: ParsedDoc, counter: TokenCounter, options: ChunkOptions = DEFAULT_CHUNKING): Chunk[] {
  const all = units(doc.text, counter, options.targetTokens);
  const chunks: Chunk[] = [];
  let first = 0;
  while (first < all.length) {
    let last = first;
    let tokens = all[first]!.tokens;
    while (last + 1 < all.length && tokens + all[last + 1]!.tokens <= options.targetTokens) {
      last++;
      tokens += all[last]!.tokens;
    }
    const start = all[first]!.start;
    const end = all[last]!.end;
    chunks.push({ ordinal: chunks.length, start, end, text: doc.text.slice(start, end), heading: headingAt(doc, start) });
    if (last + 1 >= all.length) break;
    // Step back over trailing units worth up to `overlapTokens`, but always move forward.
    let next = last + 1;
    let overlap = 0;
    while (next - 1 > first && overlap + all[next - 1]!.tokens <= options.overlapTokens) {
      next--;
      overlap += all[next]!.tokens;
    }
    first = next;
  }
  return chunks;
}
