import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { approve } from '../admin/approvals.js';
import { auditAdmin, osActor } from '../admin/record.js';
import { startTask } from '../admin/tasks.js';
import { ingestCorpora } from '../app/ingest.js';
import { openServer, type ServerRuntime } from '../app/server.js';
import { verifyAudit } from '../audit/verify.js';
import { printTable } from '../cli/output.js';
import { loadConfig } from '../config/config.js';
import { buildServer } from '../mcp/server.js';
import { endRun, startRun } from '../mcp/session.js';

process.env.LANCEDB_LOG ??= 'error';
const QUESTION = 'What happened in INC-2041 and how do we prevent it?';
const say = (text = '') => process.stdout.write(`${text}\n`);

interface SearchOutput {
  results: { title: string; text: string; data_class: string; citation: { doc_id: string; doc_version: string; span: number[] } }[];
}

/** One MCP session for a human through an agent: a real task grant, the real server, an SDK client. */
const DEMO_ACTOR = { human: 'demo', auth: 'demo-script' };

async function openAgent(runtime: ServerRuntime, human: string, agent: string, purpose: string) {
  // The same admin core as `clearance task start`: narrowing check, key publication, task record, audit.
  const { grant } = await startTask(runtime.app, { human, agent, purpose, scope: {}, ttlSeconds: 3600, actor: DEMO_ACTOR });
  const session = await startRun(runtime, grant, 'test');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await buildServer(session).connect(serverSide);
  const client = new Client({ name: `demo-${agent}`, version: '1.0.0' });
  await client.connect(clientSide);
  return {
    session,
    client,
    async ask(question: string, k = 4) {
      const result = await client.callTool({ name: 'search', arguments: { query: question, k, reason: 'answer the user question about INC-2041' } });
      return (result.structuredContent as unknown as SearchOutput).results;
    },
    async close() {
      await client.close();
      await endRun(session, 'demo finished');
    },
  };
}

function firstSentences(text: string, max = 190): string {
  const clean = text
    .replace(/^#+ .*$/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max).replace(/\s\S*$/, '')} …` : clean;
}

async function main(): Promise<void> {
  const config = loadConfig();
  say('Clearance demo: one question, asked by different people through different agents.\n');
  say(`store ${config.storeUri}\npolicy ${config.policyDir}\nmodel ${config.modelDir} (${config.modelDtype})\n`);
  const runtime = await openServer(config);
  const { app } = runtime;
  try {
    say('1. Ingest the labelled sample corpora (incremental: a second run embeds nothing)');
    const report = await ingestCorpora(app);
    await auditAdmin(app, {
      action: 'ingest',
      target: 'all',
      actor: osActor(),
      detail: { docsEmbedded: report.docsEmbedded, chunksWritten: report.chunksWritten, tableVersion: report.tableVersion },
    });
    printTable(report.sources.map((s) => ({ source: s.source, class: s.dataClass ?? '-', documents: s.docs, chunks: s.chunks, embedded_now: s.embedded })));
    say(`   ${report.docsEmbedded} documents embedded in ${report.seconds.toFixed(1)} s\n`);

    say(`2. "${QUESTION}"`);
    const askers: [string, string, string][] = [
      ['alice', 'claude-code', 'backend engineer, owns checkout'],
      ['bob', 'support-assistant', 'support lead'],
      ['carol', 'audit-assistant', 'security lead'],
      ['dan', 'audit-assistant', 'business operations'],
      ['gina', 'claude-code', 'new contractor'],
    ];
    const runs: string[] = [];
    for (const [human, agent, role] of askers) {
      const agentSession = await openAgent(runtime, human, agent, 'Explain INC-2041 and how to prevent a repeat');
      runs.push(agentSession.session.run.runId);
      const results = await agentSession.ask(QUESTION);
      const classes = [...new Set(results.map((r) => r.data_class))].join(', ');
      say(`\n   ${human} (${role}) via ${agent} — sees classes: ${classes || 'nothing'}`);
      for (const r of results.slice(0, 3))
        say(
          `     [${r.data_class}] ${r.title} — ${r.citation.doc_id}@${r.citation.doc_version.slice(0, 8)} [${r.citation.span.join(',')})\n        ${firstSentences(r.text)}`,
        );
      await agentSession.close();
    }

    say('\n3. Approval gate: alice needs telemetry for this task; frank (the approver) grants it for this task only');
    const alice = await openAgent(runtime, 'alice', 'claude-code', 'Check the INC-2041 alert timeline');
    runs.push(alice.session.run.runId);
    const before = await alice.ask('INC-2041 checkout latency alert timeline p95');
    say(`   before: ${before.filter((r) => r.data_class === 'telemetry').length} telemetry results`);
    const request = await alice.client.callTool({
      name: 'request_access',
      arguments: { class: 'telemetry', reason: 'need the alert timeline to write the follow-up' },
    });
    const requestId = (request.structuredContent as { request_id: string }).request_id;
    // The same admin core as `clearance approvals approve`: the policy decides frank may approve, for this task only.
    await approve(app, requestId, { human: 'frank', auth: 'demo-script' }, 3600);
    const after = await alice.ask('INC-2041 checkout latency alert timeline p95');
    say(
      `   request ${requestId} approved by frank → after: ${after.filter((r) => r.data_class === 'telemetry').length} telemetry results, e.g. ${after.find((r) => r.data_class === 'telemetry')?.citation.doc_id ?? '-'}`,
    );
    const release = await alice.client.callTool({
      name: 'check_release',
      arguments: { destination_class: 'public', draft: 'Status update: checkout is fine now.', reason: 'may I post a public status update?' },
    });
    say(`   check_release to public: ${(release.content as { text: string }[])[0]!.text}`);
    await alice.close();

    const verification = await verifyAudit(config.auditDir);
    say(`\n4. Every call above is in the hash-chained audit log: ${config.auditDir}`);
    say(`   audit verify: ${verification.map((v) => `${v.replica} ${v.ok ? 'ok' : 'BROKEN'} (${v.records} records)`).join(', ')}`);
    say(`   reconstruct alice's approval run:  npx clearance trace ${runs.at(-1)}`);
    say(`   its review packet:                 npx clearance packet ${runs.at(-1)}`);
    say(`   who received the postmortem:       npx clearance who-read postmortems/inc-2041-postmortem.md`);
    say(`   connect a real agent:              npx clearance task start --owner alice --agent claude-code --purpose "…"  (see README, "Connect an agent")`);
    say(`\n(demo run by ${osActor().human})`);
  } finally {
    await runtime.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`);
  process.exit(1);
});
