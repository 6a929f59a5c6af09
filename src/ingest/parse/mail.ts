import type { AddressObject, ParsedMail } from 'mailparser';
import type { ParsedDoc } from '../document.js';
import { parseHtml } from './html.js';
import { UnreadableFile, withFragment, type BinaryInput, type ParsedFile } from './located.js';

/** Parses an attachment as a document of its own, by its file name (the dispatcher's `parseBinary`). */
export type AttachmentParser = (input: BinaryInput, filename: string) => Promise<ParsedFile>;

const addresses = (a: AddressObject | AddressObject[] | undefined) => (a ? (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a.text) : '');

/** The message as text: sender, recipients, date and subject lines, then the body (HTML bodies as readable text). */
function messageText(mail: ParsedMail): string {
  const header = [
    `From: ${addresses(mail.from)}`,
    `To: ${addresses(mail.to)}`,
    ...(mail.cc ? [`Cc: ${addresses(mail.cc)}`] : []),
    `Date: ${mail.date?.toISOString() ?? ''}`,
    `Subject: ${mail.subject ?? ''}`,
  ].join('\n');
  const body = mail.text?.trim() || (mail.html ? parseHtml(mail.html, '', '').text : '');
  return `${header}\n\n${body}`.trim();
}

/**
 * One message (`where` is its location, `part` its fragment or null for a whole .eml file) and,
 * recursively, its attachments as documents of their own (`#attachment=1`, `#attachment=1&page=2`).
 * An attachment gets the message's labels and can only narrow them: its own sensitivity label applies,
 * through the same checks. An attachment that cannot be parsed is a skip naming it.
 */
async function messageDocs(input: BinaryInput, part: string | null, where: string, mail: ParsedMail, parseAttachment: AttachmentParser): Promise<ParsedFile> {
  const subject = mail.subject?.trim() || input.title;
  const base = part ? { ...input, docId: withFragment(input.docId, part), path: withFragment(input.path, part) } : input;
  const updatedAt = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null;
  const message: ParsedDoc = {
    docId: base.docId,
    path: base.path,
    title: subject,
    text: messageText(mail),
    updatedAt,
    author: mail.from?.text || undefined,
    headings: [{ offset: 0, level: 1, text: `${where}: ${subject}` }],
  };
  const out: ParsedFile = { docs: [message], skips: [] };
  for (const [i, attachment] of mail.attachments.entries()) {
    const name = attachment.filename ?? `attachment-${i + 1}`;
    const at = `attachment=${i + 1}`;
    const child: BinaryInput = {
      bytes: attachment.content,
      docId: withFragment(base.docId, at),
      path: withFragment(base.path, at),
      title: `${name} (attached to ${subject})`,
    };
    try {
      const parsed = await parseAttachment(child, name);
      out.docs.push(...parsed.docs.map((d) => ({ ...d, updatedAt: d.updatedAt ?? updatedAt, author: d.author ?? message.author })));
      out.skips.push(...parsed.skips);
    } catch (err) {
      out.skips.push({ path: child.path, reason: `attachment "${name}": ${(err as Error).message}` });
    }
  }
  return out;
}

async function parseMessage(bytes: Buffer): Promise<ParsedMail> {
  const { simpleParser } = await import('mailparser');
  try {
    return await simpleParser(bytes, { skipImageLinks: true, skipTextLinks: true });
  } catch (err) {
    throw new UnreadableFile(`not a readable e-mail message (${(err as Error).message})`);
  }
}

/** An RFC 822 message (`.eml`) through mailparser: the message, then its attachments. */
export async function parseEml(input: BinaryInput, parseAttachment: AttachmentParser): Promise<ParsedFile> {
  const mail = await parseMessage(input.bytes);
  if (!mail.headers.size) throw new UnreadableFile('not an e-mail message (no headers)');
  return messageDocs(input, null, 'message', mail, parseAttachment);
}

/**
 * The messages of an mbox (RFC 4155): each starts with a `From ` separator line at the start of the
 * file or after a blank line; mboxrd's `>From ` quoting is undone. Only this framing is done here (the
 * npm mbox splitters tried lose messages when the whole mailbox is in memory); each message is then
 * parsed by mailparser. Bytes, not text: a message's charset is its own.
 */
export function splitMbox(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1'); // 1 byte = 1 char: offsets are byte offsets
  if (!text.startsWith('From ')) throw new UnreadableFile('not an mbox (it must start with a "From " line)');
  const starts = [0, ...[...text.matchAll(/\n\r?\n(?=From )/g)].map((m) => m.index + m[0].length)];
  return starts.map((start, i) => {
    const message = text.slice(text.indexOf('\n', start) + 1, starts[i + 1] ?? text.length);
    return Buffer.from(message.replace(/^>(>*From )/gm, '$1'), 'latin1');
  });
}

/** An mbox mailbox: one document per message (`box.mbox#message=2`), then its attachments. */
export async function parseMbox(input: BinaryInput, parseAttachment: AttachmentParser): Promise<ParsedFile> {
  const raw = splitMbox(input.bytes);
  const out: ParsedFile = { docs: [], skips: [] };
  for (const [i, bytes] of raw.entries()) {
    const part = `message=${i + 1}`;
    try {
      const parsed = await messageDocs(input, part, `message ${i + 1}`, await parseMessage(bytes), parseAttachment);
      out.docs.push(...parsed.docs);
      out.skips.push(...parsed.skips);
    } catch (err) {
      out.skips.push({ path: withFragment(input.path, part), reason: (err as Error).message });
    }
  }
  if (raw.length === 0) throw new UnreadableFile('an mbox with no messages');
  return out;
}
