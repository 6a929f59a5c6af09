import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { annQueryFor, VECTOR_INDEX_MIN_ROWS, vectorIndexPlan } from '../../src/store/vector-index.js';

// The settings follow the table's size (issue 19: constants tuned at 100k lost recall at 1M).
describe('vector index plan', () => {
  it('partitions grow as √rows; small tables probe all of them, larger ones 5 %, never fewer than 50', () => {
    fc.assert(
      fc.property(fc.integer({ min: VECTOR_INDEX_MIN_ROWS, max: 50_000_000 }), (rows) => {
        const plan = vectorIndexPlan(rows);
        expect(Math.abs(plan.partitions - Math.sqrt(rows))).toBeLessThanOrEqual(0.5);
        if (rows < 50_000) expect(plan.query.nprobes).toBe(plan.partitions);
        else {
          expect(plan.query.nprobes).toBeGreaterThanOrEqual(Math.max(50, 0.05 * plan.partitions));
          expect(plan.query.nprobes).toBeLessThanOrEqual(Math.max(50, 0.05 * plan.partitions + 1));
        }
        expect(plan.query).toEqual(annQueryFor(rows));
      }),
    );
  });

  it('is the measured choice at 1M chunks: IVF_FLAT, 1,000 partitions, 50 probed', () => {
    expect(vectorIndexPlan(1_000_000)).toEqual({ kind: 'ivf_flat', partitions: 1000, query: { nprobes: 50 } });
  });
});
