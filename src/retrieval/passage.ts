import type { Passage } from '../labels/provenance.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { SourceRow, StoredChunk } from '../store/schema.js';
import { documentFreshness, type Freshness } from './freshness.js';

/** A permitted chunk as a passage: its provenance names the rule that let the human read it. */
export function toPassage(chunk: StoredChunk, score: number | null, fresh: Freshness, rule: string): Passage {
  return {
    result_id: chunk.chunk_id,
    title: chunk.title,
    heading: chunk.heading,
    text: chunk.text,
    owner: chunk.owner,
    stale: fresh.stale,
    age_days: fresh.ageDays,
    provenance: {
      source: chunk.source,
      doc_id: chunk.doc_id,
      doc_version: chunk.doc_version,
      ordinal: chunk.ordinal,
      span: [chunk.span_start, chunk.span_end],
      chunk_hash: chunk.chunk_hash,
      data_class: chunk.data_class,
      score,
      rule,
    },
  };
}

/** A stale chunk of a class whose policy says `stale: exclude` is not returned at all. */
export function freshnessOf(policy: PolicyEngine, sources: Map<string, SourceRow>, chunk: StoredChunk): Freshness & { excluded: boolean } {
  const fresh = documentFreshness(sources.get(chunk.source), chunk.doc_updated_at);
  return { ...fresh, excluded: fresh.stale && policy.classInfo(chunk.data_class)?.stale === 'exclude' };
}
