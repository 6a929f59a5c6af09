import type { PolicyEngine } from './engine.js';
import type { Authority, Term } from './authority.js';
import type { RuleLocation } from './files.js';
import { classAccessFor } from './subjects.js';

/** The labels a chunk carries in the store: all the re-check reads. */
export interface ChunkLabels {
  source: string;
  data_class: string;
  acl_source: readonly string[];
  acl_doc: readonly string[];
}

export interface ChunkDecision {
  allowed: boolean;
  deniedBy?: Term;
  /** The policy line that let the human read this class (for the audit record). */
  rule?: RuleLocation;
}

const isPrincipalList = (value: unknown): boolean => Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string');

/** `file:line` of a deciding rule, as the audit record and citations name it. */
export function ruleRef(rule: RuleLocation | undefined): string {
  return rule ? `${rule.file.split('/').pop()}:${rule.line}` : 'policy';
}

/**
 * The terms every item is decided by, in a fixed order (the first that fails names the denial).
 * Shared by chunks and sources so that a listing can never say more than a read would allow.
 */
function decideLabels(engine: PolicyEngine, authority: Authority, source: string, dataClass: string, acls: readonly (readonly string[])[]): ChunkDecision {
  if (!engine.isHuman(authority.human)) return { allowed: false, deniedBy: 'unknown_principal' };
  const human = classAccessFor(engine, authority.human, authority.subjects, dataClass);
  if (human.access === 'none') return { allowed: false, deniedBy: 'human' };
  const granted = authority.classes.find((c) => c.id === dataClass);
  if (human.access === 'approval' && granted?.via !== 'approval') return { allowed: false, deniedBy: 'approval' };
  if (!engine.agentUses(authority.agent, 'class', dataClass).allowed || !engine.agentUses(authority.agent, 'source', source).allowed) return { allowed: false, deniedBy: 'agent' };
  const { scope } = authority;
  if ((scope.classes && !scope.classes.includes(dataClass)) || (scope.sources && !scope.sources.includes(source))) return { allowed: false, deniedBy: 'task' };
  if (authority.gatedSources.includes(source)) return { allowed: false, deniedBy: 'approval' };
  if (!granted || (authority.sources !== 'all' && !authority.sources.includes(source))) return { allowed: false, deniedBy: 'narrowing' };
  const principals = new Set(authority.principals);
  const terms: Term[] = ['acl_source', 'acl_doc'];
  for (const [i, acl] of acls.entries()) if (!acl.some((p) => principals.has(p))) return { allowed: false, deniedBy: terms[i] };
  return { allowed: true, rule: human.rule };
}

/**
 * The per-chunk re-check: decided again with Casbin from the chunk's own labels, independent of the
 * store filter that produced the candidate. Missing or unknown labels deny.
 */
export function decideChunk(engine: PolicyEngine, authority: Authority, labels: ChunkLabels): ChunkDecision {
  // Rows are parsed at the store boundary; this guard still refuses anything malformed (defence in depth).
  const wellFormed = typeof labels.source === 'string' && labels.source !== '' && typeof labels.data_class === 'string' && isPrincipalList(labels.acl_source) && isPrincipalList(labels.acl_doc);
  if (!wellFormed || !engine.classInfo(labels.data_class)) return { allowed: false, deniedBy: 'labels' };
  return decideLabels(engine, authority, labels.source, labels.data_class, [labels.acl_source, labels.acl_doc]);
}

export interface SourceDecision {
  access: 'read' | 'approval' | 'none';
  deniedBy?: Term;
}

/**
 * Whether a source is readable for this request, readable only after an approval, or not at all:
 * the same terms as `decideChunk` (with the source ACL standing in for the document's own).
 */
export function permitsSource(engine: PolicyEngine, authority: Authority, source: Omit<ChunkLabels, 'acl_doc'>): SourceDecision {
  const decision = decideChunk(engine, authority, { ...source, acl_doc: source.acl_source });
  if (decision.allowed) return { access: 'read' };
  if (decision.deniedBy !== 'approval') return { access: 'none', deniedBy: decision.deniedBy };
  // Denied only for want of an approval: with it, would every other term pass?
  const approved: Authority = {
    ...authority,
    classes: authority.withApproval.includes(source.data_class) ? [...authority.classes, { id: source.data_class, via: 'approval' }] : authority.classes,
    gatedSources: authority.gatedSources.filter((s) => s !== source.source),
  };
  return decideChunk(engine, approved, { ...source, acl_doc: source.acl_source }).allowed ? { access: 'approval' } : { access: 'none', deniedBy: 'approval' };
}
