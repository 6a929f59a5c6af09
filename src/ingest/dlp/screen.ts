import type { SecretsMode } from '../../labels/secrets.js';
import type { ParsedDoc, Skip } from '../document.js';
import { findCardNumbers } from './cards.js';
import type { DocFindings, Finding } from './finding.js';
import { redact } from './redact.js';
import { findSecrets } from './secrets.js';

/** Every secret and card number in a piece of a document, in order. */
async function scan(text: string, field: Finding['field']): Promise<Finding[]> {
  const cards = findCardNumbers(text).map((s) => ({ ...s, kind: 'payment-card', rule: 'clearance/payment-card-luhn' }));
  return [...(await findSecrets(text)), ...cards].map((f) => ({ ...f, field })).sort((a, b) => a.start - b.start || a.end - b.end);
}

export interface Screened {
  /** The document to plan: redacted under `redact`, as parsed under `flag`, absent under `refuse`. */
  doc: ParsedDoc | null;
  /** What was found (null: nothing). */
  findings: DocFindings | null;
  refusal: Skip | null;
}

const describe = (f: Finding) => `${f.kind} (${f.rule}) at ${f.field}[${f.start},${f.end})`;

/** Applies the class's secrets mode to one document, before it is planned, chunked or embedded. */
export async function screenDocument(doc: ParsedDoc, dataClass: string, mode: SecretsMode): Promise<Screened> {
  const found = [...(await scan(doc.title, 'title')), ...(await scan(doc.text, 'text'))];
  if (found.length === 0) return { doc, findings: null, refusal: null };
  const findings: DocFindings = { path: doc.path, docId: doc.docId, dataClass, mode, findings: found };
  if (mode === 'flag') return { doc, findings, refusal: null };
  if (mode === 'refuse') {
    const reason = `refused: class ${dataClass} refuses documents with secrets; found ${found.map(describe).join(', ')}`;
    return { doc: null, findings, refusal: { path: doc.path, reason } };
  }
  const only = (field: Finding['field']) => found.filter((f) => f.field === field);
  const text = redact(doc.text, only('text'));
  // A heading is also stored and embedded with each of its chunks: its copy is redacted too.
  const headings = await Promise.all(
    doc.headings.map(async (h) => ({ ...h, offset: text.at(h.offset), text: redact(h.text, await scan(h.text, 'text')).text })),
  );
  return { doc: { ...doc, title: redact(doc.title, only('title')).text, text: text.text, headings }, findings, refusal: null };
}
