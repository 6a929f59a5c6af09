import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCorpora } from '../../src/app/ingest.js';
import { openServer, type ServerRuntime } from '../../src/app/server.js';
import { IngestReportSchema, type IngestReport } from '../../src/ingest/ingest.js';
import { parseCliJson } from '../helpers/cli-json.js';
import { embeddingInput } from '../../src/ingest/writer.js';
import { runCli } from '../helpers/cli.js';
import { connectAgent, tempWorld, type Agent } from '../helpers/world.js';

// The sample ticket T-5113 carries a fake AWS key pair, a password line and a Luhn-valid test card.
const DOC = 'customer-tickets/T-5113';
const SECRETS = ['AKIAZNWCLOUD7TEST4QX', 'nW7rTq2LxP9vKd4sHm8ZbYc3FjE6gUa1oRi5NtQw', 'Fjord!Line-2026', '4111 1111 1111 1111'];
const FRAGMENTS = [
  'AKIAZNWCLOUD',
  'CLOUD7TEST4QX',
  'nW7rTq2LxP9vKd4s',
  'Hm8ZbYc3FjE6gUa1oRi5NtQw',
  'Fjord!Line',
  'Line-2026',
  '4111111111111111',
  '4111 1111',
  '1111 1111 1111',
];
const QUERIES = [
  ...SECRETS,
  ...FRAGMENTS,
  'aws_secret_access_key',
  'admin portal password',
  'test payment card number expiry 12/29',
  'pasted integration config',
];
// What must never come back: each secret, and pieces long enough to be worth something.
const NEVER = [/AKIAZNWCLOUD|CLOUD7TEST|TEST4QX/, /nW7rTq2L|xP9vKd4s|Hm8ZbYc3|FjE6gUa1|oRi5NtQw/, /Fjord!Line|Line-2026/, /4111[ -]?1111[ -]?1111[ -]?1111/];
const MODES = ['hybrid', 'vector', 'fts'] as const;

let runtime: ServerRuntime;
let report: IngestReport;
beforeAll(async () => {
  runtime = await openServer(tempWorld());
  report = await ingestCorpora(runtime.app);
});
afterAll(async () => runtime.close());

const policy = () => runtime.app.policy();

/** Every human/agent pair that may read customer tickets (with an approval where the policy asks for one). */
function customerReaders(): { human: string; agent: string; approver?: string }[] {
  const pairs = [];
  for (const human of policy().knownHumans()) {
    const access = policy().classAccess(human, 'customer').access;
    if (access === 'none') continue;
    for (const agent of policy().knownAgents()) {
      const methods = policy().agentMethods(agent);
      if (!policy().agentUses(agent, 'class', 'customer').allowed || !methods.includes('search') || !methods.includes('fetch')) continue;
      if (access === 'read') pairs.push({ human, agent });
      else if (methods.includes('request_access'))
        pairs.push({ human, agent, approver: [...policy().approversFor('class', 'customer')].find((a) => a !== human)! });
    }
  }
  return pairs;
}

async function approveCustomer(agent: Agent, approver: string): Promise<void> {
  const req = await agent.call('request_access', { class: 'customer', reason: 'need customer tickets for this task' });
  const id = (req.structuredContent as { request_id: string }).request_id;
  await runtime.app.governance.approve(id, { human: approver, auth: 'test' }, 3600, (row) =>
    policy().approversFor(row.target_kind, row.target_id).has(approver),
  );
}

function expectClean(what: string, result: unknown): string {
  const all = JSON.stringify(result);
  for (const never of NEVER) expect(all, what).not.toMatch(never);
  return all;
}

describe('secrets in the corpora never reach an agent', () => {
  it('the ingest report names each finding by kind, rule and span, never the value', () => {
    const tickets = report.sources.find((s) => s.source === 'customer-tickets')!;
    expect(tickets.secrets).toHaveLength(1);
    const [found] = tickets.secrets;
    expect(found).toMatchObject({ docId: DOC, path: 'tickets-2026.jsonl#T-5113', dataClass: 'customer', mode: 'redact' });
    expect(found!.findings.map((f) => f.kind).sort()).toEqual(['aws-access-key-id', 'aws-secret-access-key', 'password', 'payment-card']);
    const text = (
      JSON.parse(readFileSync(path.join(runtime.app.config.corporaDir, 'customer-tickets/tickets-2026.jsonl'), 'utf8').trim().split('\n').at(-1)!) as {
        text: string;
      }
    ).text;
    expect(found!.findings.map((f) => text.slice(f.start, f.end)).sort()).toEqual([...SECRETS].sort());
    expectClean('report', report);
    // No other sample document holds anything the detector flags.
    expect(report.sources.flatMap((s) => s.secrets.map((d) => d.docId))).toEqual([DOC]);
  });

  it('the stored chunks carry the markers, and their vectors were computed from the redacted text', async () => {
    const rows = await (await runtime.app.store.chunks()).raw.query().where(`doc_id = '${DOC}'`).toArray();
    expect(rows.length).toBeGreaterThan(0);
    const text = rows.map((r) => `${r.title} ${r.heading} ${r.text}`).join('\n');
    expectClean(
      'stored rows',
      rows.map((r) => ({ title: r.title, heading: r.heading, text: r.text })),
    );
    for (const kind of ['aws-access-key-id', 'aws-secret-access-key', 'password', 'payment-card']) expect(text).toContain(`[REDACTED:${kind}]`);
    const embedder = await runtime.app.embedder();
    const vectors = await embedder.embed(rows.map((r) => embeddingInput(r.title as string, r.heading as string, r.text as string)));
    rows.forEach((r, i) => {
      const stored = Array.from(r.vector as Float32Array);
      expect(stored.reduce((dot, v, j) => dot + v * vectors[i]![j]!, 0)).toBeGreaterThan(0.9999);
    });
  });

  it('no reader of customer tickets gets a secret by search (every mode, the secret or a piece of it as the query) or by fetch', async () => {
    const readers = customerReaders();
    expect(readers.map((p) => `${p.human}/${p.agent}`).sort()).toEqual(['bob/audit-assistant', 'bob/support-assistant', 'carol/audit-assistant']);
    for (const { human, agent: agentId, approver } of readers) {
      const agent = await connectAgent(runtime, human, agentId);
      try {
        if (approver) await approveCustomer(agent, approver);
        let sawTicket = false;
        for (const mode of MODES) {
          for (const query of QUERIES) {
            const all = expectClean(`${human}/${agentId} ${mode} "${query}"`, await agent.call('search', { query, mode, k: 20 }));
            sawTicket ||= all.includes(DOC);
          }
        }
        expect(sawTicket, `${human}/${agentId} found the ticket by search`).toBe(true);
        const fetched = expectClean(`${human}/${agentId} fetch`, await agent.call('fetch', { id: DOC }));
        expect(fetched, `${human}/${agentId} fetch`).toContain('[REDACTED:aws-secret-access-key]');
        expect(fetched).toContain('[REDACTED:payment-card]');
      } finally {
        await agent.close();
      }
    }
  });

  it('every other human/agent pair gets neither the ticket nor a secret', async () => {
    const readers = new Set(customerReaders().map((p) => `${p.human}/${p.agent}`));
    for (const human of policy().knownHumans()) {
      for (const agentId of policy().knownAgents()) {
        if (readers.has(`${human}/${agentId}`)) continue;
        const agent = await connectAgent(runtime, human, agentId);
        try {
          for (const mode of MODES) {
            const all = expectClean(`${human}/${agentId} ${mode}`, await agent.call('search', { query: SECRETS[1]!, mode, k: 50 }));
            expect(all).not.toContain(DOC);
          }
          // Missing and forbidden are one answer (it names the id asked for, nothing else).
          const fetched = await agent.call('fetch', { id: DOC }).catch((err: Error) => ({ error: err.message }));
          expectClean(`${human}/${agentId} fetch`, fetched);
          expect(JSON.stringify(fetched)).not.toContain('REDACTED');
        } finally {
          await agent.close();
        }
      }
    }
  });

  it('clearance ingest prints the findings (counts, kinds, spans), never the secret', async () => {
    const out = await runCli(runtime.app.config, ['ingest', '--dry-run', '--source', 'customer-tickets']);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/secrets customer-tickets\/tickets-2026\.jsonl#T-5113 \(class customer: redacted 4\): aws-access-key-id text\[\d+,\d+\)/);
    expectClean('cli', out.stdout + out.stderr);
  });

  it('refuse leaves the document out (and deletes what was stored), reported as a skip naming the file and the rules', async () => {
    const classes = path.join(runtime.app.config.policyDir, 'classes.yaml');
    writeFileSync(classes, readFileSync(classes, 'utf8').replace(/(id: customer\n(?: {4}.*\n)*? {4}secrets: )redact/, '$1refuse'));
    const out = await runCli(runtime.app.config, ['ingest', '--source', 'customer-tickets', '--json']);
    // A refused document is a skip: the run finished, something was left out (exit 2).
    expect(out.status, out.stderr).toBe(2);
    expectClean('cli refuse', out.stdout + out.stderr);
    const refused = parseCliJson(IngestReportSchema, out.stdout).sources[0]!;
    expect(refused.deleted).toBe(1);
    const skip = refused.skipped.find((s) => s.path === 'tickets-2026.jsonl#T-5113')!;
    expect(skip.reason).toMatch(/refused: class customer refuses.*@secretlint\/secretlint-rule-aws.*clearance\/payment-card-luhn/);
    const rows = await (await runtime.app.store.chunks()).raw.query().where(`doc_id = '${DOC}'`).toArray();
    expect(rows).toHaveLength(0);
  });
});
