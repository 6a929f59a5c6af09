import type { Config } from '../config/config.js';
import { METHODS } from '../identity/identity.js';
import type { PolicyEngine } from '../policy/engine.js';
import { sourceIsStale } from '../retrieval/freshness.js';
import type { SourceRow } from '../store/schema.js';
import { inertMarkdown } from '../views/inert.js';

export const CARD_FIELDS = [
  'Server name',
  'Business purpose',
  'Human owner',
  'Agent workflows allowed to use it',
  'Data classes reachable',
  'Read methods exposed',
  'Write methods exposed',
  'Credentials used',
  'Approval required for',
  'Forbidden calls or data',
  'Logging location',
  'Retention period',
  'Kill switch owner',
  'Last review date',
] as const;

export interface CardField {
  field: (typeof CARD_FIELDS)[number];
  value: string[];
  warning?: string;
}

const READ_METHODS = METHODS.filter((m) => m !== 'request_access');

/** The seed's server review card, from live config, policy and store; nothing typed by hand but server.yaml. */
export function buildCard(config: Config, policy: PolicyEngine, sources: SourceRow[], now = Date.now()): CardField[] {
  const s = policy.server;
  const reviewAgeDays = Math.floor((now - Date.parse(s.last_review)) / 86_400_000);
  const gated = policy.classes.flatMap((c) => {
    const approvers = [...policy.approversFor('class', c.id)];
    const who = policy.knownHumans().filter((h) => policy.classAccess(h, c.id).access === 'approval');
    return approvers.length && who.length
      ? [`${c.id}: for ${who.join(', ')}; approved by ${approvers.join(', ')} (one task, time-boxed, never self-approved)`]
      : [];
  });
  const stale = sources.filter((src) => sourceIsStale(src, now)).map((src) => src.source);
  return [
    { field: 'Server name', value: [s.server_name] },
    { field: 'Business purpose', value: [s.business_purpose] },
    { field: 'Human owner', value: [s.human_owner] },
    {
      field: 'Agent workflows allowed to use it',
      value: policy.knownAgents().map(
        (a) =>
          `${a}: classes ${policy.classes
            .filter((c) => policy.agentUses(a, 'class', c.id).allowed)
            .map((c) => c.id)
            .join(', ')}; methods ${policy.agentMethods(a).join(', ')}`,
      ),
    },
    {
      field: 'Data classes reachable',
      value: policy.classes.map(
        (c) =>
          `${c.id} (${c.description}) — ${
            sources
              .filter((src) => src.data_class === c.id)
              .map((src) => src.source)
              .join(', ') || 'no source ingested'
          }`,
      ),
      warning: stale.length ? `stale sources: ${stale.join(', ')}` : undefined,
    },
    { field: 'Read methods exposed', value: [...READ_METHODS] },
    {
      field: 'Write methods exposed',
      value: ['none: request_access only creates a pending request that a human decides; no tool changes corpora, policy, grants, approvals or switches'],
    },
    {
      field: 'Credentials used',
      value: [
        `task grants: Ed25519-signed JWTs (issuer ${config.issuer}, audience ${config.resource}), one human, one agent, one task, expiring; never a human's own credential, never forwarded`,
        ...config.externalIssuers.map((i) => `external issuer ${i.issuer} (JWKS ${i.jwksUri})`),
        'approver credentials: Ed25519-signed JWTs (audience clearance-approver)',
      ],
    },
    { field: 'Approval required for', value: gated.length ? gated : ['nothing'] },
    { field: 'Forbidden calls or data', value: s.forbidden },
    { field: 'Logging location', value: [`${config.auditDir} (hash-chained JSON Lines per replica; verify with \`clearance audit verify\`)`] },
    { field: 'Retention period', value: [`${s.retention} (\`clearance audit purge --older-than ${s.retention}\`)`] },
    { field: 'Kill switch owner', value: [`${s.kill_switch_owner} (\`clearance kill --all|--agent|--human|--task|--run … --reason …\`)`] },
    {
      field: 'Last review date',
      value: [s.last_review],
      warning: reviewAgeDays > s.review_interval_days ? `review is ${reviewAgeDays} days old; the interval is ${s.review_interval_days} days` : undefined,
    },
  ];
}

/**
 * The card as a Markdown table. Values come from server.yaml, policy and the store (source names,
 * descriptions); each is made inert (src/views/inert.ts) so it stays literal text in its own cell:
 * a `|` cannot add a column, a newline cannot add a row. The `<br>` and `**WARNING:**` are ours.
 */
export function formatCard(card: CardField[]): string {
  const rows = card.map(
    (f) => `| ${inertMarkdown(f.field)} | ${f.value.map(inertMarkdown).join('<br>')}${f.warning ? `<br>**WARNING:** ${inertMarkdown(f.warning)}` : ''} |`,
  );
  return ['# Server review card', '', '| field | value |', '|---|---|', ...rows, ''].join('\n');
}
