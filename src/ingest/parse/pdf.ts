import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import type { ParsedDoc } from '../document.js';
import { locatedDoc, UnreadableFile, type BinaryInput, type ParsedFile } from './located.js';

const NO_TEXT = 'no text layer (a scanned or image-only PDF: Clearance does no OCR)';

/**
 * A PDF through PDF.js: one document per page with text (`file.pdf#page=3`), so a citation names the
 * page. Encrypted, corrupt and image-only PDFs are refused with the reason; pages without text are
 * left out.
 */
export async function parsePdf(input: BinaryInput): Promise<ParsedFile> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({ data: new Uint8Array(input.bytes), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 });
  let pdf: Awaited<typeof task.promise>;
  try {
    pdf = await task.promise;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'PasswordException') throw new UnreadableFile('encrypted PDF (password-protected): cannot be read');
    throw new UnreadableFile(`not a readable PDF (${(err as Error).message})`);
  }
  try {
    const info = (await pdf.getMetadata().catch(() => null))?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : input.title;
    const docs: ParsedDoc[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        const t = item as TextItem;
        text += t.str + (t.hasEOL ? '\n' : '');
      }
      text = text.replace(/[ \t]+\n/g, '\n').trim();
      page.cleanup();
      if (text) docs.push(locatedDoc({ ...input, title }, `page=${n}`, `page ${n}`, text));
    }
    if (docs.length === 0) throw new UnreadableFile(NO_TEXT);
    return { docs, skips: [] };
  } finally {
    await pdf.destroy();
  }
}
