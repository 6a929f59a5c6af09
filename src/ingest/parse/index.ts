import { discoverFiles } from '../discover.js';
import type { ParsedDoc, Skip } from '../document.js';
import type { CorpusManifest } from '../manifest.js';
import { parseHtml } from './html.js';
import { parseJsonl } from './jsonl.js';
import { parseMarkdown } from './markdown.js';
import { parseText } from './text.js';

/** The parser for a file, by its extension (text for anything else the manifest includes). */
function parserFor(relPath: string): (raw: string, docId: string, relPath: string) => ParsedDoc {
  if (/\.(md|markdown)$/i.test(relPath)) return parseMarkdown;
  if (/\.html?$/i.test(relPath)) return parseHtml;
  return parseText;
}

/** Every document of one source folder; a file that cannot be parsed is a reported skip, never an abort. */
export async function parseSource(dir: string, manifest: CorpusManifest): Promise<{ docs: ParsedDoc[]; skips: Skip[] }> {
  const { files, skips } = await discoverFiles(dir, manifest);
  const docs: ParsedDoc[] = [];
  for (const file of files) {
    try {
      if (file.relPath.endsWith('.jsonl')) {
        const parsed = parseJsonl(file.text, manifest.id, file.relPath, manifest.jsonl!);
        docs.push(...parsed.docs.map((d) => ({ ...d, updatedAt: d.updatedAt ?? file.mtime })));
        skips.push(...parsed.skips);
        continue;
      }
      const doc = parserFor(file.relPath)(file.text, `${manifest.id}/${file.relPath}`, file.relPath);
      if (doc.text.trim() === '') skips.push({ path: file.relPath, reason: 'no text after parsing' });
      else docs.push({ ...doc, updatedAt: doc.updatedAt ?? file.mtime });
    } catch (err) {
      skips.push({ path: file.relPath, reason: (err as Error).message });
    }
  }
  return { docs, skips };
}
