import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { IngestReportSchema } from '../../src/ingest/ingest.js';
import { parseCliJson } from '../helpers/cli-json.js';
import { CLI, cliEnv, runCli } from '../helpers/cli.js';
import { startLocalPostgres, type LocalPostgres } from '../helpers/postgres.js';
import { tempWorld, type SearchResults } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

/**
 * A ticket system in a real PostgreSQL server: each row's visibility column becomes that document's
 * ACL. Through a real MCP client over `clearance serve --stdio`, each human finds exactly the rows the
 * oracle (the table's own ACL column, expanded by hand below) allows, and fetching a forbidden row
 * answers exactly like fetching a row that does not exist.
 */
let db: LocalPostgres;
let config: Config;
const SOURCE = 'tickets-db';
const TICKETS = [
  { id: 'T-1', phrase: 'amber lighthouse', acl: ['user:alice'] },
  { id: 'T-2', phrase: 'basalt orchard', acl: ['group:sre'] },
  { id: 'T-3', phrase: 'cobalt tramline', acl: ['user:carol'] },
  { id: 'T-4', phrase: 'dune sextant', acl: ['group:engineering'] },
  { id: 'T-5', phrase: 'ember quarry', acl: null }, // no visibility: skipped, never "everyone"
];
/** Who each principal stands for in the sample policy (policy/people.csv). */
const MEMBERS: Record<string, string[]> = { 'user:alice': ['alice'], 'user:carol': ['carol'], 'group:sre': ['frank'], 'group:engineering': ['alice', 'frank'] };
const visibleTo = (human: string) => TICKETS.filter((t) => t.acl?.some((p) => MEMBERS[p]!.includes(human))).map((t) => `${SOURCE}/${t.id}`);

const ingest = async (url: string) => {
  const r = await runCli(config, ['ingest', '--json', '--source', SOURCE], { TICKETS_DB_URL: url });
  return { ...r, report: r.stdout.trim() ? parseCliJson(IngestReportSchema, r.stdout) : null };
};

async function asHuman(human: string): Promise<Client> {
  const token = (
    await runCli(config, ['task', 'start', '--owner', human, '--agent', 'claude-code', '--purpose', 'postgres source e2e', '--token-only'])
  ).stdout.trim();
  const client = new TestClient({ name: 'postgres-e2e', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve', '--stdio'],
      env: cliEnv(config, { CLEARANCE_TASK_TOKEN: token }) as Record<string, string>,
      stderr: 'ignore',
    }),
  );
  return client;
}

async function foundRows(client: Client): Promise<string[]> {
  const found = new Set<string>();
  for (const t of TICKETS) {
    const result = await client.callTool({ name: 'search', arguments: { query: `ticket about ${t.phrase}`, k: 10, reason: 'postgres e2e' } });
    for (const r of (result.structuredContent as SearchResults).results) if (r.citation.source === SOURCE) found.add(r.citation.doc_id);
  }
  return [...found].sort();
}

beforeAll(async () => {
  db = await startLocalPostgres();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('CREATE TABLE tickets (id text PRIMARY KEY, title text, body text, updated_at timestamptz, visible_to text[])');
  for (const t of TICKETS) {
    await client.query('INSERT INTO tickets VALUES ($1, $2, $3, $4, $5)', [
      t.id,
      `Ticket ${t.id}`,
      `The customer reports a problem with the ${t.phrase}.`,
      new Date(),
      t.acl,
    ]);
  }
  await client.end();
  config = tempWorld();
  mkdirSync(path.join(config.corporaDir, SOURCE));
  writeFileSync(
    path.join(config.corporaDir, SOURCE, 'corpus.yaml'),
    [
      `id: ${SOURCE}`,
      'title: Tickets (PostgreSQL)',
      'data_class: internal',
      'owner: group:engineering',
      'read_acl: [group:engineering, group:security]',
      'freshness: { max_age_days: 365 }',
      'source:',
      '  kind: postgres',
      '  connection_env: TICKETS_DB_URL',
      '  query: SELECT id, title, body, updated_at, visible_to FROM tickets',
      '  columns: { id: id, title: title, text: body, updated_at: updated_at, read_acl: visible_to }',
      '',
    ].join('\n'),
  );
});
afterAll(() => db?.stop());

describe('a PostgreSQL query as a source', () => {
  it('ingests one document per row, with its ACL; a row without an ACL is a reported skip', async () => {
    const { status, stderr, report } = await ingest(db.url);
    expect(status, stderr).toBe(2); // done, with one skip
    const source = report!.sources[0]!;
    expect(source.error).toBeNull();
    expect(source.docs).toBe(4);
    expect(source.skipped).toEqual([{ path: 'rows#T-5', reason: expect.stringContaining('column "visible_to" (the ACL)') }]);
  });

  it('each human sees exactly the rows their ACL allows; a forbidden row answers like a missing one', async () => {
    for (const human of ['alice', 'frank', 'carol']) {
      const client = await asHuman(human);
      try {
        expect(await foundRows(client), human).toEqual(visibleTo(human));
        const fetchOf = async (id: string) => {
          const r = await client.callTool({ name: 'fetch', arguments: { id, reason: 'postgres e2e' } });
          return { isError: r.isError ?? false, content: r.content };
        };
        const forbidden = TICKETS.map((t) => `${SOURCE}/${t.id}`).filter((id) => !visibleTo(human).includes(id));
        const missing = await fetchOf(`${SOURCE}/T-404`);
        expect(missing.isError).toBe(true);
        for (const id of forbidden) {
          const answer = await fetchOf(id);
          expect(JSON.stringify(answer).replaceAll(id, '<id>'), `${human} fetching ${id}`).toBe(JSON.stringify(missing).replaceAll(`${SOURCE}/T-404`, '<id>'));
        }
        for (const id of visibleTo(human)) expect((await fetchOf(id)).isError, `${human} fetching ${id}`).toBe(false);
      } finally {
        await client.close();
      }
    }
  });

  it('bad credentials or an unreachable server fail this source only, say why, and keep its last good version', async () => {
    const bad = await ingest(db.url.replace(db.password, 'wrong-password'));
    expect(bad.status).toBe(2);
    expect(bad.report!.sources[0]!.error).toMatch(/PostgreSQL \(TICKETS_DB_URL\): .*password authentication failed/);
    expect(bad.report!.sources[0]!.error).not.toContain('wrong-password');
    const unreachable = await ingest(db.url.replace(`:${db.port}/`, ':1/'));
    expect(unreachable.status).toBe(2);
    expect(unreachable.report!.sources[0]!.error).toMatch(/PostgreSQL \(TICKETS_DB_URL\): .*ECONNREFUSED/);
    const client = await asHuman('frank');
    try {
      expect(await foundRows(client)).toEqual(visibleTo('frank'));
    } finally {
      await client.close();
    }
  });
});
