import { parseHtml } from './html.js';
import { UnreadableFile, type BinaryInput, type ParsedFile } from './located.js';

/**
 * A Word document through mammoth (to semantic HTML), then the HTML parser: paragraphs as blocks and
 * Word headings as headings, so a citation names the section. A DOCX has no stable pages.
 */
export async function parseDocx(input: BinaryInput): Promise<ParsedFile> {
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: input.bytes })).value;
  } catch (err) {
    throw new UnreadableFile(`not a readable DOCX (${(err as Error).message})`);
  }
  const doc = parseHtml(html, input.docId, input.path);
  return { docs: [{ ...doc, title: doc.headings[0]?.text ?? input.title }], skips: [] };
}
