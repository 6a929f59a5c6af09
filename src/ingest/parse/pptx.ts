import path from 'node:path';
import type JSZip from 'jszip';
import type { ParsedDoc } from '../document.js';
import { locatedDoc, UnreadableFile, type BinaryInput, type ParsedFile } from './located.js';
import { childrenOf, findAll, orderedXml, textOf, type OrderedNode } from './zip.js';

const RELS = 'ppt/_rels/presentation.xml.rels';

async function xmlOf(zip: JSZip, name: string): Promise<OrderedNode[] | null> {
  const file = zip.file(name);
  return file ? (orderedXml.parse(await file.async('string')) as OrderedNode[]) : null;
}

/** The slide part names in presentation order (`p:sldIdLst` → relationship targets). */
async function slideParts(zip: JSZip): Promise<string[]> {
  const presentation = await xmlOf(zip, 'ppt/presentation.xml');
  const rels = await xmlOf(zip, RELS);
  if (!presentation || !rels) throw new UnreadableFile('not a readable PPTX (no ppt/presentation.xml)');
  const targets = new Map(findAll(rels, 'Relationship').map((r) => [r[':@']?.Id ?? '', r[':@']?.Target ?? '']));
  return findAll(presentation, 'p:sldId')
    .map((s) => targets.get(s[':@']?.['r:id'] ?? ''))
    .filter((t): t is string => Boolean(t))
    .map((t) => (t.startsWith('/') ? t.slice(1) : path.posix.join('ppt', t)));
}

/**
 * A PowerPoint deck, one document per slide with text (`deck.pptx#slide=2`), headed by the slide's
 * number and title. The package is read with JSZip and each slide's DrawingML with fast-xml-parser:
 * paragraphs (`a:p`) of text runs (`a:t`), in shape order. Speaker notes are not included.
 */
export async function parsePptx(input: BinaryInput, zip: JSZip): Promise<ParsedFile> {
  const docs: ParsedDoc[] = [];
  const parts = await slideParts(zip);
  for (const [i, part] of parts.entries()) {
    const slide = await xmlOf(zip, part);
    if (!slide) continue;
    const paragraphs = findAll(slide, 'a:p')
      .map((p) =>
        findAll(childrenOf(p), 'a:t')
          .map((t) => textOf(childrenOf(t)))
          .join('')
          .trim(),
      )
      .filter(Boolean);
    if (paragraphs.length === 0) continue;
    const n = i + 1;
    docs.push(locatedDoc(input, `slide=${n}`, `slide ${n}: ${paragraphs[0]!.slice(0, 120)}`, paragraphs.join('\n\n')));
  }
  if (docs.length === 0) throw new UnreadableFile(parts.length === 0 ? 'a PPTX with no slides' : 'no text on any slide (images only: Clearance does no OCR)');
  return { docs, skips: [] };
}
