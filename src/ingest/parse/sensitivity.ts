import type { ParsedDoc } from '../document.js';
import type { CorpusManifest } from '../manifest.js';
import type { SensitivityLabel } from './office-labels.js';
import { UnreadableFile } from './located.js';

type LabelMap = CorpusManifest['sensitivity_labels'];
const FAIL_CLOSED: NonNullable<LabelMap> = { labels: [], unknown: 'skip' };

const describe = (l: SensitivityLabel) => (l.name ? `"${l.name}" (${l.id})` : l.id);

/**
 * A labelled document's narrowing: the manifest entry for its sensitivity label sets the document's
 * own data class and ACL (which `labelDocument` then checks only narrow the source's, exactly as front
 * matter), and the label is recorded in the title (`… [label: Confidential]`), so every search result
 * and citation shows it. An unmapped label refuses the file, naming the label (fail closed), unless
 * the manifest says `unknown: source_labels`; several enabled labels are refused too.
 */
export function applySensitivityLabel(docs: ParsedDoc[], labels: SensitivityLabel[], map: LabelMap = FAIL_CLOSED): ParsedDoc[] {
  if (labels.length === 0) return docs;
  if (labels.length > 1) throw new UnreadableFile(`carries several sensitivity labels (${labels.map(describe).join(', ')}): refused`);
  const label = labels[0]!;
  const entry = map.labels.find((l) => (l.id && l.id.toLowerCase() === label.id) || (l.name && label.name && l.name === label.name));
  if (!entry && map.unknown === 'skip') {
    throw new UnreadableFile(
      `unknown sensitivity label ${describe(label)}: map it under sensitivity_labels in corpus.yaml (documents with unmapped labels are skipped)`,
    );
  }
  const shown = label.name ?? label.id;
  return docs.map((doc) => ({
    ...doc,
    title: `${doc.title} [label: ${shown}]`,
    ...(entry?.data_class ? { dataClass: entry.data_class } : {}),
    ...(entry?.read_acl ? { readAcl: entry.read_acl } : {}),
  }));
}
