import path from 'node:path';
import type { DiscoveredFile } from '../discover.js';
import type { ParsedDoc, Skip } from '../document.js';
import type { CorpusManifest } from '../manifest.js';
import { pullSource, type PullContext } from '../sources/source.js';
import { parseCsv } from './csv.js';
import { parseDocx } from './docx.js';
import { parseHtml } from './html.js';
import { parseJsonl } from './jsonl.js';
import { UnreadableFile, type BinaryInput, type ParsedFile } from './located.js';
import { parseEml, parseMbox } from './mail.js';
import { parseMarkdown } from './markdown.js';
import { officeSensitivityLabels } from './office-labels.js';
import { parsePdf } from './pdf.js';
import { parsePptx } from './pptx.js';
import { applySensitivityLabel } from './sensitivity.js';
import { parseText } from './text.js';
import { parseXlsx } from './xlsx.js';
import { openPackage } from './zip.js';

/** How deep attachments nest (a message attached to a message attached to …) before the rest is skipped. */
const MAX_ATTACHMENT_DEPTH = 3;

/** The parser for a text file, by its extension (text for anything else the manifest includes). */
function textParserFor(name: string): (raw: string, docId: string, relPath: string) => ParsedDoc {
  if (/\.(md|markdown)$/i.test(name)) return parseMarkdown;
  if (/\.html?$/i.test(name)) return parseHtml;
  return parseText;
}

const OFFICE = { '.docx': ['DOCX', parseDocx], '.pptx': ['PPTX', parsePptx], '.xlsx': ['XLSX', parseXlsx] } as const;
const TEXT_ATTACHMENT = /\.(md|markdown|html?|txt)$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A binary file (or an attachment) by its name: PDF, Office (with its sensitivity label applied), mail
 * (attachments recursively, through this same function); text attachments through the text parsers.
 */
async function parseBinary(input: BinaryInput, name: string, map: CorpusManifest['sensitivity_labels'], depth = 0): Promise<ParsedFile> {
  const ext = path.extname(name).toLowerCase();
  const attachments = (child: BinaryInput, filename: string) => {
    if (depth + 1 > MAX_ATTACHMENT_DEPTH) throw new UnreadableFile(`attachments nested deeper than ${MAX_ATTACHMENT_DEPTH} levels`);
    return parseBinary(child, filename, map, depth + 1);
  };
  if (ext === '.pdf') return parsePdf(input);
  if (ext === '.eml') return parseEml(input, attachments);
  if (ext === '.mbox') return parseMbox(input, attachments);
  if (ext in OFFICE) {
    const [kind, parse] = OFFICE[ext as keyof typeof OFFICE];
    const zip = await openPackage(input.bytes, kind);
    const labels = await officeSensitivityLabels(zip);
    const parsed = await parse(input, zip);
    return { docs: applySensitivityLabel(parsed.docs, labels, map), skips: parsed.skips };
  }
  if (depth > 0 && TEXT_ATTACHMENT.test(name)) {
    let text: string;
    try {
      text = utf8.decode(input.bytes);
    } catch {
      throw new UnreadableFile('not valid UTF-8');
    }
    const doc = textParserFor(name)(text, input.docId, input.path);
    return { docs: [{ ...doc, title: doc.title === input.path ? input.title : doc.title }], skips: [] };
  }
  throw new UnreadableFile(`unsupported format${ext ? ` (${ext})` : ''}`);
}

/** One discovered file's documents; what could not be parsed is thrown (a whole file) or a skip (a part). */
async function parseFile(file: DiscoveredFile, manifest: CorpusManifest): Promise<ParsedFile> {
  const docId = `${manifest.id}/${file.relPath}`;
  if (file.bytes)
    return parseBinary({ bytes: file.bytes, docId, path: file.relPath, title: path.basename(file.relPath) }, file.relPath, manifest.sensitivity_labels);
  if (file.relPath.endsWith('.jsonl')) return parseJsonl(file.text, manifest.id, file.relPath, manifest.jsonl!);
  if (/\.csv$/i.test(file.relPath)) return parseCsv(file.text, manifest.id, file.relPath, manifest.csv);
  return { docs: [textParserFor(file.relPath)(file.text, docId, file.relPath)], skips: [] };
}

/**
 * Every document of one source folder; a file that cannot be parsed is a reported skip, never an
 * abort. A folder that yields no document says so in the skips, so the report never looks like success.
 */
export async function parseSource(dir: string, manifest: CorpusManifest, context?: PullContext): Promise<{ docs: ParsedDoc[]; skips: Skip[] }> {
  const { files, docs, skips } = await pullSource(dir, manifest, context);
  const found = files.length + docs.length + skips.length;
  for (const file of files) {
    try {
      const parsed = await parseFile(file, manifest);
      skips.push(...parsed.skips);
      for (const doc of parsed.docs) {
        if (doc.text.trim() === '') skips.push({ path: doc.path, reason: 'no text after parsing' });
        else docs.push({ ...doc, updatedAt: doc.updatedAt ?? file.mtime, author: doc.author ?? file.author, sourceVersion: file.version });
      }
    } catch (err) {
      skips.push({ path: file.relPath, reason: (err as Error).message });
    }
  }
  if (docs.length === 0) {
    const why =
      found === 0
        ? manifest.source
          ? 'it holds nothing'
          : `no file matches include [${manifest.include.join(', ')}]`
        : `${found} item(s) found, none gave a document`;
    skips.push({ path: '.', reason: `the ${manifest.source?.kind ?? 'folder'} source produced no documents: ${why}` });
  }
  return { docs, skips };
}
