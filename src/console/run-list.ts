import { z } from 'zod';
import type { AuditRecord, CallEvent, RunEvent } from '../audit/record.js';

/** A time as the console's filter form sends it: `datetime-local` (read as UTC), a date, or ISO 8601 with a zone. */
const FilterTime = z
  .string()
  .trim()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(v) || /^\d{4}-\d\d-\d\d$/.test(v) ? v : `${v}Z`;
    const ms = Date.parse(zoned);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `"${v.slice(0, 40)}" is not a time: use 2026-12-01T02:00 (UTC) or ISO 8601 with a zone` });
      return z.NEVER;
    }
    return ms;
  });

const Text = z
  .string()
  .trim()
  .transform((v) => v || undefined);

export const RunFiltersSchema = z
  .object({
    human: Text.optional(),
    agent: Text.optional(),
    task: Text.optional(),
    decision: z.enum(['', 'allowed', 'denied', 'error', 'killed']).optional(),
    /** Runs active at or after this time (their last record is not earlier). */
    since: FilterTime.optional(),
    /** Runs active at or before this time (they started by then). */
    until: FilterTime.optional(),
    /** `yes`: only runs that pressed the boundary (a call denied, killed, withheld chunks or flagged as boundary pressure). */
    pressure: z.enum(['', 'yes']).optional(),
  })
  .refine((f) => f.since === undefined || f.until === undefined || f.since <= f.until, { path: ['until'], message: 'until is before since: swap them' });
export type RunFilters = z.infer<typeof RunFiltersSchema>;

type Start = RunEvent & AuditRecord;
type Call = CallEvent & AuditRecord;

/** A call that met the boundary: refused, or served with something held back. */
export function pressesBoundary(call: CallEvent): boolean {
  return call.decision === 'denied' || call.decision === 'killed' || call.withheld > 0 || call.boundary_pressure !== null;
}

/** The runs list, newest first: one row per started run with its calls summarised, filtered as the auditor asked. */
export function listRuns(records: AuditRecord[], filters: RunFilters) {
  const starts = records.filter((r): r is Start => r.kind === 'run.start');
  const calls = records.filter((r): r is Call => r.kind === 'call');
  return starts
    .filter(
      (s) => (!filters.human || s.human === filters.human) && (!filters.agent || s.agent === filters.agent) && (!filters.task || s.task_id === filters.task),
    )
    .map((s) => {
      const mine = calls.filter((c) => c.run_id === s.run_id);
      const lastTs = mine.reduce((last, c) => (c.ts > last ? c.ts : last), s.ts);
      return { ...s, lastTs, calls: mine.length, decisions: [...new Set(mine.map((c) => c.decision))], pressure: mine.filter(pressesBoundary).length };
    })
    .filter((r) => !filters.decision || r.decisions.includes(filters.decision))
    .filter((r) => filters.since === undefined || Date.parse(r.lastTs) >= filters.since)
    .filter((r) => filters.until === undefined || Date.parse(r.ts) <= filters.until)
    .filter((r) => filters.pressure !== 'yes' || r.pressure > 0)
    .reverse();
}
