import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatZodError } from '../config/errors.js';
import { inertMarkdown } from '../views/inert.js';
import type { RunTrace } from './trace.js';

/** What an agent's harness or CI may add about the wider run: Clearance cannot observe these. */
export const RunReportSchema = z
  .object({
    commands_run: z.array(z.string()).optional(),
    files_changed: z.array(z.string()).optional(),
    tests_passed: z.array(z.string()).optional(),
    tests_failed_or_skipped: z.array(z.string()).optional(),
    allowed_files_and_packages: z.array(z.string()).optional(),
    allowed_mcp_servers: z.array(z.string()).optional(),
  })
  .strict();
export type RunReport = z.infer<typeof RunReportSchema>;

export async function readRunReport(file: string): Promise<RunReport> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`--with ${file}: cannot read a JSON run report (${(err as Error).message})`);
  }
  const parsed = RunReportSchema.safeParse(raw);
  if (!parsed.success) throw new Error(formatZodError(parsed.error, `--with ${file}`));
  return parsed.data;
}

export interface PacketField {
  field: string;
  provenance: 'observed' | 'reported' | 'not observed';
  value: string[];
}

export const PACKET_FIELDS = [
  'Task',
  'Allowed files and packages',
  'Allowed MCP servers',
  'MCP methods allowed',
  'Data classes reachable',
  'Commands run',
  'Files changed',
  'Tests passed',
  'Tests failed or skipped',
  'Tool calls and reasons',
  'Boundary pressure',
  'Rollback or containment path',
  'Human approval',
] as const;

const reported = (field: string, value: string[] | undefined): PacketField =>
  value ? { field, provenance: 'reported', value } : { field, provenance: 'not observed', value: [] };

/** The review packet of DESIGN.md, fields in order: observed ones from the record, the rest reported. */
export function buildPacket(trace: RunTrace, report: RunReport = {}): PacketField[] {
  const s = trace.start;
  const approvals = trace.governance.filter((g) => g.action.startsWith('approval.'));
  const kills = trace.governance.filter((g) => g.action === 'kill' || g.action === 'revive' || g.action === 'task.revoke');
  const fields: PacketField[] = [
    {
      field: 'Task',
      provenance: 'observed',
      value: s
        ? [
            `${s.task_id}: ${s.task_purpose}`,
            `human owner ${s.human}, agent ${s.agent}, run ${trace.runId} (${s.transport})`,
            `grant expires ${s.grant_expires_at}`,
          ]
        : [trace.runId],
    },
    report.allowed_files_and_packages
      ? reported('Allowed files and packages', report.allowed_files_and_packages)
      : {
          field: 'Allowed files and packages',
          provenance: 'observed',
          value: s
            ? [`sources in scope: ${s.sources_in_scope === 'all' ? 'all sources the human and agent may read' : s.sources_in_scope.join(', ') || 'none'}`]
            : [],
        },
    report.allowed_mcp_servers
      ? reported('Allowed MCP servers', report.allowed_mcp_servers)
      : { field: 'Allowed MCP servers', provenance: 'observed', value: s ? [s.server_name] : [] },
    { field: 'MCP methods allowed', provenance: 'observed', value: s?.methods_allowed ?? [] },
    {
      field: 'Data classes reachable',
      provenance: 'observed',
      value: s ? [...s.classes_reachable, ...s.classes_with_approval.map((c) => `${c} (only with approval)`)] : [],
    },
    reported('Commands run', report.commands_run),
    reported('Files changed', report.files_changed),
    reported('Tests passed', report.tests_passed),
    reported('Tests failed or skipped', report.tests_failed_or_skipped),
    {
      field: 'Tool calls and reasons',
      provenance: 'observed',
      value: trace.calls.map(
        (c) =>
          `${c.ts} ${c.method} (${c.decision}): "${c.reason ?? ''}" → ${c.chunks.length} chunks [${[...new Set(c.chunks.map((x) => x.data_class))].join(', ')}]${c.withheld ? `, ${c.withheld} withheld` : ''}`,
      ),
    },
    {
      field: 'Boundary pressure',
      provenance: 'observed',
      value: trace.boundaryPressure.length
        ? trace.boundaryPressure.map((b) => `${b.ts} ${b.kind} via ${b.method}: ${b.detail}; reason "${b.reason ?? ''}"; outcome: ${b.outcome}`)
        : ['none recorded'],
    },
    {
      field: 'Rollback or containment path',
      provenance: 'observed',
      value: [
        `clearance kill --run ${trace.runId} --reason "…" (or --task ${s?.task_id ?? '<task>'}, --agent ${s?.agent ?? '<agent>'}, --human ${s?.human ?? '<human>'})`,
        `clearance task revoke ${s?.task_id ?? '<task>'}`,
        `clearance who-read <doc-id> lists every run that received a document`,
        ...kills.map((k) => `${k.ts} ${k.action} ${k.target} by ${k.actor}: ${JSON.stringify(k.detail)}`),
      ],
    },
    {
      field: 'Human approval',
      provenance: 'observed',
      value: approvals.length ? approvals.map((a) => `${a.ts} ${a.action} ${a.target} by ${a.actor} (${a.actor_auth}) ${JSON.stringify(a.detail)}`) : ['none'],
    },
  ];
  return fields;
}

/**
 * The packet as Markdown. Values carry agent text (reasons, tool names, args), document ids and
 * the harness's run report, so each value is made inert (src/views/inert.ts): it stays one list
 * item of literal text and cannot add a heading, a section, a list item or HTML.
 */
export function formatPacket(fields: PacketField[], runId: string): string {
  const out = [`# Review packet: run ${inertMarkdown(runId)}`, ''];
  for (const f of fields) {
    out.push(`## ${inertMarkdown(f.field)}${f.provenance === 'observed' ? '' : ` (${f.provenance})`}`);
    out.push(...(f.value.length ? f.value.map((v) => `- ${inertMarkdown(v)}`) : ['- not observed']), '');
  }
  return out.join('\n');
}
