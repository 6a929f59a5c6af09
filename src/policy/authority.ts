import { z } from 'zod';
import { MethodSchema, TaskScopeSchema, type Approval, type RequestIdentity } from '../identity/identity.js';
import { SourceReachSchema, type SourceReach } from '../labels/ids.js';
import type { PolicyEngine } from './engine.js';
import { RuleLocationSchema } from './files.js';
import { classAccessFor, principalsFor, subjectsFor } from './subjects.js';

export const TermSchema = z.enum(['human', 'approval', 'agent', 'task', 'narrowing', 'acl_source', 'acl_doc', 'labels', 'unknown_principal']);
export type Term = z.infer<typeof TermSchema>;

/**
 * Effective authority of one request = human ∩ agent workflow ∩ task scope ∩ approvals (∩ caller
 * narrowing), decided under one policy version. Kill switches are checked before it is computed.
 */
export const AuthoritySchema = z.object({
  human: z.string(),
  agent: z.string(),
  taskId: z.string(),
  /** The task grant's own scope: every chunk is re-checked against it. */
  scope: TaskScopeSchema,
  policyVersion: z.string(),
  principals: z.array(z.string()),
  /** The Casbin subjects the human is decided as (absent: `user:<human>`); see subjects.ts for IdP groups. */
  subjects: z.array(z.string()).optional(),
  /** Methods this request may call: agent workflow ∩ task scope. */
  methods: z.array(MethodSchema),
  classes: z.array(z.object({ id: z.string(), via: z.enum(['read', 'approval']), rule: RuleLocationSchema.optional() })),
  /** Classes the human could read with an approval this task does not (yet) have. */
  withApproval: z.array(z.string()),
  denied: z.array(z.object({ id: z.string(), term: TermSchema })),
  sources: SourceReachSchema,
  /** Approval-gated sources this task has no live approval for: excluded. */
  gatedSources: z.array(z.string()),
});
export type Authority = z.infer<typeof AuthoritySchema>;

export interface Narrowing {
  sources?: string[];
  classes?: string[];
}

const intersect = (a: SourceReach, b: string[] | undefined): SourceReach => (b === undefined ? a : a === 'all' ? [...new Set(b)] : a.filter((x) => b.includes(x)));

function liveApprovalFor(approvals: Approval[], identity: RequestIdentity, kind: 'class' | 'source', id: string, now: number): boolean {
  return approvals.some((a) => a.taskId === identity.taskId && a.human === identity.human && a.target.kind === kind && a.target.id === id && Date.parse(a.expiresAt) > now);
}

export function computeAuthority(engine: PolicyEngine, identity: RequestIdentity, approvals: Approval[], now = Date.now()): Authority {
  // IdP groups (identity.groups) add to or replace people.csv memberships: principals and subjects both follow.
  const principals = principalsFor(engine, identity.human, identity.groups);
  const subjects = subjectsFor(identity.human, identity.groups);
  const base = { human: identity.human, agent: identity.agent, taskId: identity.taskId, scope: identity.scope, policyVersion: engine.version, principals, subjects };
  if (principals.length === 0 || !engine.isAgent(identity.agent)) return { ...base, methods: [], classes: [], withApproval: [], denied: [], sources: [], gatedSources: [] };

  const classes: Authority['classes'] = [];
  const withApproval: string[] = [];
  const denied: Authority['denied'] = [];
  for (const { id } of engine.classes) {
    const human = classAccessFor(engine, identity.human, subjects, id);
    const deny = (term: Term) => denied.push({ id, term });
    if (human.access === 'none') deny('human');
    else if (!engine.agentUses(identity.agent, 'class', id).allowed) deny('agent');
    else if (identity.scope.classes && !identity.scope.classes.includes(id)) deny('task');
    else if (human.access === 'approval' && !liveApprovalFor(approvals, identity, 'class', id, now)) {
      withApproval.push(id);
      deny('approval');
    } else classes.push({ id, via: human.access, rule: human.rule });
  }
  const methods = engine.agentMethods(identity.agent).filter((m) => !identity.scope.methods || identity.scope.methods.includes(m));
  const sources = intersect(engine.agentSourceList(identity.agent), identity.scope.sources);
  const gatedSources = engine.gatedSources(identity.human).filter((s) => !liveApprovalFor(approvals, identity, 'source', s, now));
  return { ...base, methods, classes, withApproval, denied, sources, gatedSources };
}

/** A caller's narrowing (search's `sources`/`classes`): never widens, and what it drops is recorded as denied. */
export function narrow(authority: Authority, narrowing: Narrowing): Authority {
  const classes = narrowing.classes ? authority.classes.filter((c) => narrowing.classes!.includes(c.id)) : authority.classes;
  const dropped = authority.classes.filter((c) => !classes.includes(c)).map((c) => ({ id: c.id, term: 'narrowing' as const }));
  return { ...authority, classes, denied: [...authority.denied, ...dropped], sources: intersect(authority.sources, narrowing.sources) };
}

/** What a narrowing asked for outside the authority: boundary pressure for the record. */
export function outsideAuthority(authority: Authority, narrowing: Narrowing): string[] {
  return [
    ...(narrowing.classes ?? []).filter((c) => !authority.classes.some((a) => a.id === c)).map((c) => `class ${c}`),
    ...(authority.sources === 'all' ? [] : (narrowing.sources ?? []).filter((s) => !authority.sources.includes(s)).map((s) => `source ${s}`)),
  ];
}
