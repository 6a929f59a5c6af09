import type { ParsedDoc, Skip } from '../document.js';

/** What a binary parser is given: the bytes, and the id, path and fallback title of the file (or attachment). */
export interface BinaryInput {
  bytes: Buffer;
  docId: string;
  path: string;
  title: string;
}

/** What parsing one file gives: its documents and the parts of it that were left out, and why. */
export interface ParsedFile {
  docs: ParsedDoc[];
  skips: Skip[];
}

/** A location inside a file, as a URL-fragment-style suffix: `a.pdf#page=3`, `m.eml#attachment=1&page=2`. */
export const withFragment = (base: string, part: string) => `${base}${base.includes('#') ? '&' : '#'}${part}`;

/**
 * One document for one located part of a file (a page, a slide, a row, a message): its id and path
 * carry the location (`#page=3`), and its first heading names it ("page 3"), so a search result and
 * its citation say where in the original the text is.
 */
export function locatedDoc(input: BinaryInput, part: string, where: string, text: string, extra: Partial<ParsedDoc> = {}): ParsedDoc {
  return {
    docId: withFragment(input.docId, part),
    path: withFragment(input.path, part),
    title: input.title,
    text,
    updatedAt: null,
    headings: [{ offset: 0, level: 1, text: where }],
    ...extra,
  };
}

/** A parser's refusal of a whole file (encrypted, corrupt, image-only): the dispatcher reports it as a skip. */
export class UnreadableFile extends Error {
  override name = 'UnreadableFile';
}
