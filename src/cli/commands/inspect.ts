import type { Command } from 'commander';
import { Embedder } from '../../embed/embedder.js';
import { buildCard, formatCard } from '../../governance/card.js';
import type { RequestIdentity } from '../../identity/identity.js';
import { computeAuthority, decideChunk } from '../../policy/authority.js';
import { PolicyEngine } from '../../policy/engine.js';
import { describeFreshness, sourceIsStale } from '../../retrieval/freshness.js';
import { loadSources, search } from '../../retrieval/search.js';
import { sqlString } from '../../store/sql.js';
import { Store } from '../../store/store.js';
import { configFrom } from '../context.js';
import { printTable } from '../output.js';
import { plain } from '../../views/inert.js';

const list = (value: string | undefined) => (value ? value.split(',').map((v) => v.trim()).filter(Boolean) : undefined);

function adminIdentity(human: string, agent: string, scope: { sources?: string[]; classes?: string[] }): RequestIdentity {
  return { human, agent, taskId: 'cli-adhoc', purpose: 'admin check from the CLI', runId: 'cli', transport: 'cli', scope, grantExpiresAt: new Date(Date.now() + 60_000).toISOString() };
}

export function registerInspect(program: Command): void {
  program
    .command('search <query>')
    .description('admin: search as a human through an agent workflow (no approvals), to check what they would get')
    .requiredOption('--as <human>', 'the human')
    .requiredOption('--agent <agent>', 'the agent workflow')
    .option('--sources <ids>', 'task scope: comma-separated sources')
    .option('--classes <ids>', 'task scope: comma-separated classes')
    .option('--k <n>', 'results', '5')
    .option('--json', 'JSON output')
    .action(async (query: string, opts: { as: string; agent: string; sources?: string; classes?: string; k: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const policy = await PolicyEngine.load(config.policyDir);
      if (!policy.isHuman(opts.as)) throw new Error(`--as ${opts.as}: not a known human`);
      if (!policy.isAgent(opts.agent)) throw new Error(`--agent ${opts.agent}: not a known agent workflow`);
      const k = Number(opts.k);
      if (!Number.isInteger(k) || k < 1 || k > 50) throw new Error('--k must be a whole number from 1 to 50');
      const store = await Store.open(config);
      const embedder = await Embedder.load(config.modelDir, config.modelDtype);
      const result = await search({ store, embedder, policy }, { identity: adminIdentity(opts.as, opts.agent, { sources: list(opts.sources), classes: list(opts.classes) }), approvals: [], query, k });
      await embedder.dispose();
      if (opts.json) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      if (result.hits.length === 0) process.stdout.write('no permitted results\n');
      for (const [i, h] of result.hits.entries()) process.stdout.write(plain`[${i + 1}] ${h.title} (${h.dataClass}, ${h.docId}, score ${h.score.toFixed(3)}, allowed by ${h.rule})\n    ${h.text.replace(/\s+/g, ' ').slice(0, 160)}…\n`);
    });

  const policyCmd = program.command('policy').description('the Casbin policy in policy/');
  policyCmd
    .command('check')
    .description('validate the policy files (errors name file, line and fix)')
    .action(async (_opts: unknown, command: Command) => {
      const config = configFrom(command);
      const policy = await PolicyEngine.load(config.policyDir);
      process.stdout.write(`policy ${config.policyDir} is valid (version ${policy.version}): ${policy.knownHumans().length} humans, ${policy.knownAgents().length} agents, ${policy.classes.length} classes\n`);
    });
  policyCmd
    .command('explain')
    .description('why a human, through an agent, may or may not read a document: each term of the intersection and the deciding policy line')
    .requiredOption('--as <human>', 'the human')
    .requiredOption('--agent <agent>', 'the agent workflow')
    .requiredOption('--doc <doc-id>', 'the document id, e.g. runbooks/prod-database.md')
    .action(async (opts: { as: string; agent: string; doc: string }, command: Command) => {
      const config = configFrom(command);
      const policy = await PolicyEngine.load(config.policyDir);
      const table = await (await Store.open(config)).openExisting('chunks');
      const rows = await table.query().where(`doc_id = ${sqlString(opts.doc)}`).limit(1).toArray();
      if (rows.length === 0) throw new Error(`--doc ${opts.doc}: no such document in the store`);
      const row = rows[0]!;
      const identity = adminIdentity(opts.as, opts.agent, {});
      const authority = computeAuthority(policy, identity, []);
      const cls = String(row.data_class);
      const where = (r?: { file: string; line: number; text: string }) => (r ? `${r.file.split('/').pop()}:${r.line}  ${r.text}` : 'no rule matched (default deny)');
      const human = policy.classAccess(opts.as, cls);
      const agentClass = policy.agentUses(opts.agent, 'class', cls);
      const agentSource = policy.agentUses(opts.agent, 'source', String(row.source));
      const principals = new Set(authority.principals);
      const acl = (v: unknown) => Array.from(v as Iterable<string>);
      const lines = [
        `document ${opts.doc}: class ${cls}, source ${row.source}, source ACL [${acl(row.acl_source).join(', ')}], document ACL [${acl(row.acl_doc).join(', ')}]`,
        `${opts.as}'s principals: ${authority.principals.join(', ') || '(unknown human)'}`,
        `human  reads class ${cls}: ${human.access === 'read' ? 'yes' : human.access === 'approval' ? 'only with an approval for the task' : 'no'}  — ${where(human.rule)}`,
        `agent  uses class ${cls}: ${agentClass.allowed ? 'yes' : 'no'}  — ${where(agentClass.rule)}`,
        `agent  uses source ${row.source}: ${agentSource.allowed ? 'yes' : 'no'}  — ${where(agentSource.rule)}`,
        `source ACL: ${acl(row.acl_source).some((p) => principals.has(p)) ? 'matches' : 'does not match'}`,
        `document ACL: ${acl(row.acl_doc).some((p) => principals.has(p)) ? 'matches' : 'does not match'}`,
      ];
      const decision = decideChunk(policy, identity, authority, row);
      lines.push(`=> ${decision.allowed ? 'ALLOWED' : `DENIED by ${decision.deniedBy}`} (policy ${policy.version}; task scope and approvals: none in this check)`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('sources')
    .description('ingested sources: class, owner, documents, chunks, last ingest, freshness')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const sources = [...(await loadSources(await Store.open(config))).values()];
      if (opts.json) return void process.stdout.write(`${JSON.stringify(sources, null, 2)}\n`);
      printTable(sources.map((s) => ({ source: s.source, class: s.data_class, owner: s.owner, docs: s.doc_count, chunks: s.chunk_count, last_ingest: s.last_ingest_at.slice(0, 19), freshness: describeFreshness(s), stale: sourceIsStale(s) ? 'STALE' : '' })));
      const stale = sources.filter((s) => sourceIsStale(s));
      if (stale.length) process.stderr.write(`warning: ${stale.map((s) => s.source).join(', ')} past its review date\n`);
    });

  program
    .command('card')
    .description('the server review card, filled from live config and policy')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const policy = await PolicyEngine.load(config.policyDir);
      const sources = [...(await loadSources(await Store.open(config)).catch(() => new Map())).values()];
      const card = buildCard(config, policy, sources);
      process.stdout.write(opts.json ? `${JSON.stringify(card, null, 2)}\n` : formatCard(card));
    });
}
