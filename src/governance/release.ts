/**
 * The release rule (authority confusion): content a run received may go to a destination class only
 * if everyone who can read the destination could read every class the run received. Reader sets,
 * not ranks; a class someone reads only with an approval does not count as readable for them.
 */
export interface ReaderSets {
  readersOfClass(classId: string): Set<string>;
}

export interface ReleaseInput {
  received: { data_class: string; source: string; doc_id: string; chunk_hash: string; text: string }[];
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
    const draftShingles = shingles(draft);
    quoted = received
      .map((chunk) => {
        const own = shingles(chunk.text);
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
