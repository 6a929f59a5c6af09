// Real files of every ingestable binary format, written by maintained writer libraries (never by hand):
// pdf-lib (PDF), docx (DOCX, with Purview-style custom properties), pptxgenjs (PPTX), ExcelJS (XLSX)
// and nodemailer's MailComposer (RFC 822 messages for .eml and .mbox).
import { Document, HeadingLevel, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import PptxGenJSModule from 'pptxgenjs';

// pptxgenjs's types are an ES default export in a CommonJS-typed package: at run time the import is the class.
const PptxGenJS = PptxGenJSModule as unknown as typeof PptxGenJSModule.default;

/** A PDF with one page of text lines per entry (an empty entry is a page with a drawing and no text). */
export async function makePdf(pages: string[][], title?: string): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  if (title) pdf.setTitle(title);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = pdf.addPage([595, 842]);
    if (lines.length === 0) page.drawRectangle({ x: 50, y: 50, width: 400, height: 600, color: rgb(0.2, 0.4, 0.6) });
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 18, size: 12, font }));
  }
  return Buffer.from(await pdf.save());
}

/** A Purview label as Office writes it into docProps/custom.xml. */
export const msipLabel = (id: string, name: string, siteId = '3f5b8c2a-1d4e-4f6a-9b7c-0e1d2c3b4a59') => [
  { name: `MSIP_Label_${id}_Enabled`, value: 'true' },
  { name: `MSIP_Label_${id}_SetDate`, value: '2027-01-15T09:30:00Z' },
  { name: `MSIP_Label_${id}_Method`, value: 'Privileged' },
  { name: `MSIP_Label_${id}_Name`, value: name },
  { name: `MSIP_Label_${id}_SiteId`, value: siteId },
  { name: `MSIP_Label_${id}_ContentBits`, value: '0' },
];

/** A DOCX: a heading, then paragraphs, with optional custom properties. */
export async function makeDocx(heading: string, paragraphs: string[], customProperties: { name: string; value: string }[] = []): Promise<Buffer> {
  const doc = new Document({
    customProperties,
    sections: [{ children: [new Paragraph({ text: heading, heading: HeadingLevel.HEADING_1 }), ...paragraphs.map((p) => new Paragraph({ text: p }))] }],
  });
  return Packer.toBuffer(doc);
}

/** A PPTX with one slide per entry: a title and body text. */
export async function makePptx(slides: { title: string; body: string }[]): Promise<Buffer> {
  const pres = new PptxGenJS();
  for (const s of slides) {
    const slide = pres.addSlide();
    slide.addText(s.title, { x: 0.5, y: 0.3, w: 9, h: 1, fontSize: 28 });
    slide.addText(s.body, { x: 0.5, y: 1.5, w: 9, h: 3, fontSize: 16 });
  }
  return (await pres.write({ outputType: 'nodebuffer' })) as Buffer;
}

/** An XLSX with one sheet per entry: a header row, then data rows. */
export async function makeXlsx(sheets: { name: string; rows: string[][] }[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const s of sheets) {
    const sheet = workbook.addWorksheet(s.name);
    for (const row of s.rows) sheet.addRow(row);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export interface MailSpec {
  from: string;
  to: string;
  subject: string;
  text: string;
  date?: Date;
  attachments?: { filename: string; content: Buffer }[];
}

/** An RFC 822 message, as an .eml file holds it. */
export function makeEml(mail: MailSpec): Promise<Buffer> {
  return new MailComposer({ ...mail, date: mail.date ?? new Date('2027-02-01T10:00:00Z') }).compile().build();
}

/** An mbox: each message after its `From ` separator line (mboxo framing; bodies here hold no `From ` lines). */
export async function makeMbox(mails: MailSpec[]): Promise<Buffer> {
  let text = '';
  for (const mail of mails) text += `From ${mail.from} Mon Feb  1 10:00:00 2027\n${(await makeEml(mail)).toString('utf8').replace(/\r\n/g, '\n')}\n`;
  return Buffer.from(text);
}
