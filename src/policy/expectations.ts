import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../config/errors.js';
import type { RequestIdentity } from '../identity/identity.js';
import { computeAuthority } from './authority.js';
import { decideChunk, type ChunkLabels } from './decide.js';
import type { PolicyEngine } from './engine.js';
import { PolicyError } from './files.js';

/** The policy-test file: statements of what must hold, one per line (see policy/expectations.yaml). */
export const EXPECTATIONS_FILE = 'expectations.yaml';
export const ExpectationsFileSchema = z.object({ expect: z.array(z.string().min(1)).min(1) }).strict();

export interface ExpectationResult {
  line: number;
  statement: string;
  ok: boolean;
  /** What the policy answers instead, when the expectation fails. */
  actual?: string;
}

/** Labels of a document as the store holds them (for `… read doc <id>` statements). */
export type DocumentLabels = (docId: string) => Promise<ChunkLabels | null>;

const identity = (human: string, agent: string): RequestIdentity => ({
  human,
  agent,
  taskId: 'policy-test',
  purpose: 'policy test',
  runId: 'policy-test',
  transport: 'cli',
  scope: {},
  grantExpiresAt: new Date(Date.now() + 60_000).toISOString(),
});

const VIA = /^(\S+) via (\S+) (can|cannot) (read|call) (?:(doc|class) )?(\S+?)( with approval)?$/;
const APPROVES = /^(\S+) (approves|does not approve) (?:(class|source) )?(\S+)$/;

async function judge(policy: PolicyEngine, statement: string, docLabels?: DocumentLabels): Promise<{ ok: boolean; actual: string } | null> {
  const via = VIA.exec(statement);
  if (via) {
    const [, human, agent, modal, verb, kind, target, withApproval] = via as unknown as [string, string, string, string, string, string | undefined, string, string | undefined];
    const authority = computeAuthority(policy, identity(human, agent), []);
    let holds: boolean;
    let actual: string;
    if (verb === 'call') {
      holds = authority.methods.includes(target as never);
      actual = `${human} via ${agent} may call ${authority.methods.join(', ') || 'nothing'}`;
    } else if (kind === 'doc') {
      const labels = docLabels ? await docLabels(target) : null;
      if (!labels) throw new PolicyError(`document ${target} is not in the store (doc statements need an ingested store)`);
      const decision = decideChunk(policy, authority, labels);
      holds = decision.allowed;
      actual = decision.allowed ? 'allowed' : `denied by ${decision.deniedBy}`;
    } else if (withApproval) {
      holds = authority.withApproval.includes(target);
      actual = `with approval: ${authority.withApproval.join(', ') || 'nothing'}`;
    } else {
      holds = authority.classes.some((c) => c.id === target);
      actual = `reads ${authority.classes.map((c) => c.id).join(', ') || 'nothing'}`;
    }
    return { ok: modal === 'can' ? holds : !holds, actual };
  }
  const approves = APPROVES.exec(statement);
  if (approves) {
    const [, human, verb, kind, target] = approves as unknown as [string, string, string, string | undefined, string];
    const approvers = policy.approversFor(kind === 'source' ? 'source' : 'class', target);
    return { ok: verb === 'approves' ? approvers.has(human) : !approvers.has(human), actual: `approvers: ${[...approvers].join(', ') || 'nobody'}` };
  }
  return null;
}

/** Runs a policy-test file against an engine; a statement the grammar does not know is an error naming its line. */
export async function runExpectations(policy: PolicyEngine, file: string, text: string, docLabels?: DocumentLabels): Promise<ExpectationResult[]> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = ExpectationsFileSchema.safeParse(raw);
  if (!parsed.success) throw new PolicyError(formatZodError(parsed.error, file));
  const lines = text.split(/\r?\n/);
  const results: ExpectationResult[] = [];
  for (const statement of parsed.data.expect) {
    const line = lines.findIndex((l) => l.includes(statement)) + 1;
    const verdict = await judge(policy, statement.trim(), docLabels);
    if (!verdict) throw new PolicyError(`${file}:${line}: "${statement}" is not a policy statement; see the grammar at the top of policy/${EXPECTATIONS_FILE}`);
    results.push({ line, statement, ok: verdict.ok, ...(verdict.ok ? {} : { actual: verdict.actual }) });
  }
  return results;
}
