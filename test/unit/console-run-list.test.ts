import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/record.js';
import { listRuns, RunFiltersSchema } from '../../src/console/run-list.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
/** The form's `datetime-local` shape, read as UTC. */
const formTime = (minute: number) => at(minute).slice(0, 16);

interface RunSpec {
  human: 'alice' | 'bob';
  start: number;
  calls: { after: number; decision: 'allowed' | 'denied' | 'killed'; withheld: number }[];
}

/** Only the fields the runs list reads; the rest of a record does not matter to it. */
function recordsOf(runs: RunSpec[]): AuditRecord[] {
  return runs.flatMap((r, i) => {
    const ids = { run_id: `run_${i}`, task_id: `task_${i}`, agent: 'claude-code', human: r.human, task_purpose: 'p' };
    return [
      { kind: 'run.start', ts: at(r.start), ...ids },
      ...r.calls.map((c) => ({ kind: 'call', ts: at(r.start + c.after), ...ids, decision: c.decision, withheld: c.withheld, boundary_pressure: null })),
    ] as unknown as AuditRecord[];
  });
}

const runSpec = fc.record({
  human: fc.constantFrom('alice' as const, 'bob' as const),
  start: fc.integer({ min: 0, max: 60 }),
  calls: fc.array(
    fc.record({
      after: fc.integer({ min: 0, max: 30 }),
      decision: fc.constantFrom('allowed' as const, 'denied' as const, 'killed' as const),
      withheld: fc.integer({ min: 0, max: 2 }),
    }),
    { maxLength: 4 },
  ),
});

describe('the console runs list', () => {
  it('lists exactly the runs active in the window, of the human, pressing the boundary when asked (against a minute-by-minute oracle)', () => {
    fc.assert(
      fc.property(
        fc.array(runSpec, { maxLength: 6 }),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.option(fc.constantFrom('alice', 'bob'), { nil: undefined }),
        fc.boolean(),
        (runs, since, until, human, pressure) => {
          const parsed = RunFiltersSchema.safeParse({
            since: since === undefined ? '' : formTime(since),
            until: until === undefined ? '' : formTime(until),
            human: human ?? '',
            pressure: pressure ? 'yes' : '',
          });
          // An inverted window is an error naming the field, not an empty list.
          if (since !== undefined && until !== undefined && since > until) {
            expect(parsed.error?.issues[0]?.path).toEqual(['until']);
            return;
          }
          const filters = parsed.data!;
          const listed = listRuns(recordsOf(runs), filters).map((r) => r.run_id);
          const expected = runs
            .map((r, i) => ({ r, id: `run_${i}` }))
            .filter(({ r }) => {
              const last = Math.max(r.start, ...r.calls.map((c) => r.start + c.after));
              let active = false;
              for (let m = since ?? -1; m <= (until ?? 200); m++) if (m >= r.start && m <= last) active = true;
              const pressed = r.calls.some((c) => c.decision !== 'allowed' || c.withheld > 0);
              return active && (!human || r.human === human) && (!pressure || pressed);
            })
            .map(({ id }) => id)
            .reverse();
          expect(listed).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('names the field and the expected shape for a time that does not parse', () => {
    const parsed = RunFiltersSchema.safeParse({ since: 'last tuesday' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['since']);
    expect(parsed.error!.issues[0]!.message).toMatch(/not a time: use 2026-12-01T02:00 \(UTC\)/);
    expect(RunFiltersSchema.parse({ since: '2026-12-01T02:00+01:00' }).since).toBe(Date.parse('2026-12-01T01:00:00Z'));
  });
});
