import { createHash } from 'node:crypto';
import type { SecretsMode } from '../labels/secrets.js';
import type { ChunkTable } from '../store/store.js';
import { chunkWhere } from '../store/permission-filter.js';
import type { ParsedDoc, Skip } from './document.js';
import type { DocFindings } from './dlp/finding.js';
import { screenDocument } from './dlp/screen.js';
import { labelDocument, type DocLabels, type ReaderDirectory } from './labels.js';
import type { CorpusManifest } from './manifest.js';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const labelKey = (l: DocLabels) => JSON.stringify([l.dataClass, l.aclSource, l.aclDoc, l.owner]);

export interface PlannedDoc {
  doc: ParsedDoc;
  labels: DocLabels;
  version: string;
  updatedAt: string;
}

/** What one source's ingest must do to bring the store in line with its folder. */
export interface SourcePlan {
  toEmbed: PlannedDoc[];
  toRelabel: PlannedDoc[];
  /** Documents to embed whose stored version carries other labels: they change in the same commit as `toRelabel`. */
  relabelledEmbeds: Set<string>;
  /** Documents in the store whose file is gone. */
  removed: string[];
  unchanged: number;
  /** Every document id that stays (including ones that failed validation and keep their last good version). */
  keep: Set<string>;
  skips: Skip[];
  /** Secrets and card numbers found, per document, and what the class's mode did about them. */
  secrets: DocFindings[];
}

interface ExistingDoc {
  version: string;
  labels: string;
}

async function existingDocs(table: ChunkTable, source: string): Promise<Map<string, ExistingDoc>> {
  const rows = await table.rows(chunkWhere.eq('source', source), { select: ['doc_id', 'doc_version', 'data_class', 'acl_source', 'acl_doc', 'owner'] });
  return new Map(
    rows.map((row) => [
      row.doc_id,
      { version: row.doc_version, labels: labelKey({ dataClass: row.data_class, aclSource: row.acl_source, aclDoc: row.acl_doc, owner: row.owner }) },
    ]),
  );
}

/**
 * Compares parsed documents with the store: new or changed content is embedded, label-only changes
 * keep their vectors. Each document is screened for secrets under its class's mode first, so the
 * version (and so what is embedded) is that of the redacted text, and a refused document is removed.
 */
export async function planSource(
  table: ChunkTable,
  manifest: CorpusManifest,
  docs: ParsedDoc[],
  directory: ReaderDirectory,
  secretsMode: (dataClass: string) => SecretsMode,
): Promise<SourcePlan> {
  const existing = await existingDocs(table, manifest.id);
  const plan: SourcePlan = { toEmbed: [], toRelabel: [], relabelledEmbeds: new Set(), removed: [], unchanged: 0, keep: new Set(), skips: [], secrets: [] };
  for (const parsed of docs) {
    plan.keep.add(parsed.docId); // a document that fails validation keeps its last good version
    let labels: DocLabels;
    try {
      labels = labelDocument(manifest, parsed, directory);
    } catch (err) {
      plan.skips.push({ path: parsed.path, reason: (err as Error).message });
      continue;
    }
    const screened = await screenDocument(parsed, labels.dataClass, secretsMode(labels.dataClass));
    if (screened.findings) plan.secrets.push(screened.findings);
    const doc = screened.doc;
    if (!doc) {
      plan.keep.delete(parsed.docId); // refused: its stored chunks (from before the refusal) go too
      if (screened.refusal) plan.skips.push(screened.refusal);
      continue;
    }
    // The content hash stays in the version: a blob id alone would miss a change of mapping or redaction.
    const contentVersion = sha256(`${doc.title}\0${doc.text}`);
    const version = doc.sourceVersion ? `${doc.sourceVersion}.${contentVersion.slice(0, 16)}` : contentVersion;
    const planned: PlannedDoc = { doc, labels, version, updatedAt: doc.updatedAt ?? new Date(0).toISOString() };
    const prior = existing.get(doc.docId);
    if (!prior || prior.version !== planned.version) {
      plan.toEmbed.push(planned);
      if (prior && prior.labels !== labelKey(labels)) plan.relabelledEmbeds.add(doc.docId);
    } else if (prior.labels !== labelKey(labels)) plan.toRelabel.push(planned);
    else plan.unchanged++;
  }
  plan.removed = [...existing.keys()].filter((id) => !plan.keep.has(id));
  return plan;
}
