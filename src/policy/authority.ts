import { z } from 'zod';
import type { Approval, RequestIdentity } from '../identity/identity.js';
import type { PolicyEngine } from './engine.js';
import { RuleLocationSchema, type RuleLocation } from './files.js';

export const TermSchema = z.enum(['human', 'approval', 'agent', 'task', 'narrowing', 'acl_source', 'acl_doc', 'labels', 'unknown_principal']);
export type Term = z.infer<typeof TermSchema>;

/**
 * Effective authority of one request = human ∩ agent workflow ∩ task scope ∩ approvals (∩ caller
 * narrowing). Kill switches are checked before this is ever computed.
 */
export const AuthoritySchema = z.object({
  human: z.string(),
  agent: z.string(),
  principals: z.array(z.string()),
  classes: z.array(z.object({ id: z.string(), via: z.enum(['read', 'approval']), rule: RuleLocationSchema.optional() })),
  /** Classes the human could read with an approval this task does not (yet) have. */
  withApproval: z.array(z.string()),
  denied: z.array(z.object({ id: z.string(), term: TermSchema })),
  /** null = every source (subject to the per-chunk agent check). */
  sources: z.array(z.string()).nullable(),
  /** Approval-gated sources this task has no live approval for: excluded. */
  gatedSources: z.array(z.string()),
});
export type Authority = z.infer<typeof AuthoritySchema>;

export interface Narrowing {
  sources?: string[];
  classes?: string[];
}

const intersect = (a: string[] | null, b: string[] | undefined): string[] | null =>
  b === undefined ? a : a === null ? [...new Set(b)] : a.filter((x) => b.includes(x));

function liveApprovalFor(approvals: Approval[], identity: RequestIdentity, kind: 'class' | 'source', id: string, now: number): boolean {
  return approvals.some((a) => a.taskId === identity.taskId && a.human === identity.human && a.target.kind === kind && a.target.id === id && Date.parse(a.expiresAt) > now);
}

export function computeAuthority(engine: PolicyEngine, identity: RequestIdentity, approvals: Approval[], narrowing: Narrowing = {}, now = Date.now()): Authority {
  const principals = engine.humanPrincipals(identity.human);
  const base = { human: identity.human, agent: identity.agent, principals, classes: [], withApproval: [], denied: [], sources: [], gatedSources: [] };
  if (principals.length === 0 || !engine.isAgent(identity.agent)) return base;

  const classes: Authority['classes'] = [];
  const withApproval: string[] = [];
  const denied: Authority['denied'] = [];
  for (const info of engine.classes) {
    const id = info.id;
    const human = engine.classAccess(identity.human, id);
    const deny = (term: Term) => denied.push({ id, term });
    if (human.access === 'none') deny('human');
    else if (!engine.agentUses(identity.agent, 'class', id).allowed) deny('agent');
    else if (identity.scope.classes && !identity.scope.classes.includes(id)) deny('task');
    else if (human.access === 'approval' && !liveApprovalFor(approvals, identity, 'class', id, now)) {
      withApproval.push(id);
      deny('approval');
    } else if (narrowing.classes && !narrowing.classes.includes(id)) deny('narrowing');
    else classes.push({ id, via: human.access, rule: human.rule });
  }
  let sources: string[] | null = engine.agentSourceList(identity.agent);
  sources = intersect(sources, identity.scope.sources);
  sources = intersect(sources, narrowing.sources);
  const gatedSources = engine.gatedSources(identity.human).filter((s) => !liveApprovalFor(approvals, identity, 'source', s, now));
  return { ...base, classes, withApproval, denied, sources, gatedSources };
}

export interface ChunkLabels {
  source?: unknown;
  data_class?: unknown;
  acl_source?: unknown;
  acl_doc?: unknown;
}

export interface ChunkDecision {
  allowed: boolean;
  deniedBy?: Term;
  /** The policy line that let the human read this class (for the audit record). */
  rule?: RuleLocation;
}

const asStrings = (value: unknown): string[] | null => {
  const list = Array.isArray(value) ? value : value && typeof (value as { toArray?: unknown }).toArray === 'function' ? (value as { toArray(): unknown[] }).toArray() : null;
  return list && list.length > 0 && list.every((v) => typeof v === 'string') ? (list as string[]) : null;
};

/**
 * The per-chunk re-check: decided again from the chunk's own labels with Casbin, independent of the
 * store filter that produced the candidate. Missing or malformed labels deny.
 */
export function decideChunk(engine: PolicyEngine, identity: RequestIdentity, authority: Authority, labels: ChunkLabels): ChunkDecision {
  const source = typeof labels.source === 'string' && labels.source ? labels.source : null;
  const dataClass = typeof labels.data_class === 'string' && labels.data_class ? labels.data_class : null;
  const aclSource = asStrings(labels.acl_source);
  const aclDoc = asStrings(labels.acl_doc);
  if (!source || !dataClass || !aclSource || !aclDoc || !engine.classInfo(dataClass)) return { allowed: false, deniedBy: 'labels' };
  if (!engine.isHuman(identity.human)) return { allowed: false, deniedBy: 'unknown_principal' };

  const human = engine.classAccess(identity.human, dataClass);
  if (human.access === 'none') return { allowed: false, deniedBy: 'human' };
  const granted = authority.classes.find((c) => c.id === dataClass);
  if (human.access === 'approval' && granted?.via !== 'approval') return { allowed: false, deniedBy: 'approval' };
  if (!engine.agentUses(identity.agent, 'class', dataClass).allowed || !engine.agentUses(identity.agent, 'source', source).allowed) {
    return { allowed: false, deniedBy: 'agent' };
  }
  if ((identity.scope.classes && !identity.scope.classes.includes(dataClass)) || (identity.scope.sources && !identity.scope.sources.includes(source))) {
    return { allowed: false, deniedBy: 'task' };
  }
  if (authority.gatedSources.includes(source)) return { allowed: false, deniedBy: 'approval' };
  if (!granted || (authority.sources !== null && !authority.sources.includes(source))) return { allowed: false, deniedBy: 'narrowing' };
  const principals = new Set(authority.principals);
  if (!aclSource.some((p) => principals.has(p))) return { allowed: false, deniedBy: 'acl_source' };
  if (!aclDoc.some((p) => principals.has(p))) return { allowed: false, deniedBy: 'acl_doc' };
  return { allowed: true, rule: human.rule };
}
