import type { SourceRow } from '../store/schema.js';

const DAY = 86_400_000;

export interface Freshness {
  stale: boolean;
  ageDays: number | null;
}

/** A document is stale when its source's review date has passed or it is older than the source's max age. */
export function documentFreshness(source: Pick<SourceRow, 'max_age_days' | 'review_by'> | undefined, docUpdatedAt: string, now = Date.now()): Freshness {
  const updated = Date.parse(docUpdatedAt);
  const ageDays = Number.isFinite(updated) ? Math.floor((now - updated) / DAY) : null;
  if (!source) return { stale: false, ageDays };
  if (source.review_by && Date.parse(source.review_by) + DAY <= now) return { stale: true, ageDays };
  if (source.max_age_days !== null && ageDays !== null && ageDays > source.max_age_days) return { stale: true, ageDays };
  return { stale: false, ageDays };
}

export function describeFreshness(source: Pick<SourceRow, 'max_age_days' | 'review_by'>): string {
  return source.review_by ? `review by ${source.review_by}` : `max age ${source.max_age_days} days`;
}

export function sourceIsStale(source: Pick<SourceRow, 'max_age_days' | 'review_by' | 'last_ingest_at'>, now = Date.now()): boolean {
  return Boolean(source.review_by && Date.parse(source.review_by) + DAY <= now);
}
