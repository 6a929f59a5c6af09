import { createHash } from 'node:crypto';

/**
 * The release rule (authority confusion): content a run received may go to a destination class only
 * if everyone who can read the destination could read every class the run received. Reader sets,
 * not ranks; a class someone reads only with an approval does not count as readable for them.
 */
export interface ReaderSets {
  readersOfClass(classId: string): Set<string>;
}

/** What the release rule needs of a received chunk: its class, and its 5-word shingles as hashes (never its text). */
export interface ReceivedChunk {
  data_class: string;
  doc_id: string;
  chunk_hash: string;
  shingles: readonly string[];
}

export interface ReleaseInput {
  received: ReceivedChunk[];
  destinationClass: string;
  draft?: string;
  readers: ReaderSets;
}

export interface ReleaseVerdict {
  allowed: boolean;
  reason: string;
  blocking_classes: string[];
  quoted: { doc_id: string; data_class: string; chunk_hash: string; overlap: number }[];
}

const SHINGLE = 5;
/** Share of a chunk's shingles that must appear in the draft to count as quoted or closely paraphrased. */
export const QUOTE_THRESHOLD = 0.2;

/** The 5-word shingles of a text, each as a short hash: quote detection without keeping the text. */
export function shingleHashes(text: string): string[] {
  return [...shingles(text)].map((s) => createHash('sha256').update(s).digest('hex').slice(0, 16));
}

function shingles(text: string): Set<string> {
  const words =
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + SHINGLE <= words.length; i++) out.add(words.slice(i, i + SHINGLE).join(' '));
  return out;
}

export function checkRelease({ received, destinationClass, draft, readers }: ReleaseInput): ReleaseVerdict {
  const destinationReaders = readers.readersOfClass(destinationClass);
  const classes = [...new Set(received.map((c) => c.data_class))].sort();
  const blocking = classes.filter((c) => {
    const classReaders = readers.readersOfClass(c);
    return [...destinationReaders].some((h) => !classReaders.has(h));
  });

  let quoted: ReleaseVerdict['quoted'] = [];
  if (draft) {
    const draftShingles = new Set(shingleHashes(draft));
    quoted = received
      .map((chunk) => {
        const own = new Set(chunk.shingles);
        let shared = 0;
        for (const s of own) if (draftShingles.has(s)) shared++;
        return {
          doc_id: chunk.doc_id,
          data_class: chunk.data_class,
          chunk_hash: chunk.chunk_hash,
          overlap: own.size ? Math.round((shared / own.size) * 1000) / 1000 : 0,
        };
      })
      .filter((q) => q.overlap >= QUOTE_THRESHOLD)
      .sort((a, b) => b.overlap - a.overlap);
  }
  // The rule is about the run's whole taint set; the draft only shows which chunks it carries.
  const quotedBlocking = quoted.filter((q) => blocking.includes(q.data_class));
  const allowed = blocking.length === 0;
  const reason = allowed
    ? classes.length === 0
      ? `this run has received nothing yet; ${destinationClass} is fine`
      : `everyone who reads ${destinationClass} may read ${classes.join(', ')}`
    : quotedBlocking.length > 0
      ? `the draft quotes ${quotedBlocking.map((q) => `${q.data_class} content (${q.doc_id})`).join(', ')}, which not every reader of ${destinationClass} may read`
      : `this run received ${blocking.join(', ')} content, which not every reader of ${destinationClass} may read`;
  return { allowed, reason, blocking_classes: blocking, quoted };
}
