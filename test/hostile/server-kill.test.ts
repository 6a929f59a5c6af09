import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/log.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { runCli, startHttpServer } from '../helpers/cli.js';
import { randomInt, waitFor } from '../helpers/wait.js';
import { grantFor, tempWorld } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

const TRIALS = Number(process.env.SERVER_KILL_TRIALS ?? 3);
const PAIRS: [string, string][] = [
  ['alice', 'claude-code'],
  ['bob', 'support-assistant'],
  ['frank', 'ops-agent'],
  ['carol', 'audit-assistant'],
];

describe(`kill -9 of the HTTP server under load (${TRIALS} trials)`, () => {
  it('every answered call is in the audit log; verify passes or reports only a torn final line, which reopening repairs', async () => {
    const config = tempWorld();
    expect((await runCli(config, ['ingest'])).status).toBe(0);
    for (let trial = 0; trial < TRIALS; trial++) {
      const server = await startHttpServer(config);
      const answered: string[] = [];
      const earlyErrors: string[] = [];
      let killed = false;
      let stop = false;
      const clients = await Promise.all(
        Array.from({ length: 8 }, async (_, c) => {
          const [human, agent] = PAIRS[c % PAIRS.length]!;
          const { token } = await grantFor(config, human, agent);
          const client = new TestClient({ name: `kill-${c}`, version: '1' });
          await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
          // ops-agent's workflow has no fetch: such clients call search only (a refused tool is not a kill).
          const canFetch = (await client.listTools()).tools.some((t) => t.name === 'fetch');
          return { client, c, canFetch };
        }),
      );
      const load = clients.map(async ({ client, c, canFetch }) => {
        for (let i = 0; !stop; i++) {
          // The reason is unique per call and is recorded verbatim: it ties an answer to its record.
          const reason = `trial ${trial} client ${c} call ${i}`;
          try {
            // A call cut off by the kill fails at once (the connection is reset); the timeout is only a
            // safety net, generous so that a busy machine's slow answers are not mistaken for the kill.
            const fetch = canFetch && i % 2 === 1;
            const result = await client.callTool(
              {
                name: fetch ? 'fetch' : 'search',
                arguments: fetch ? { id: 'eng-docs/on-call-guide.md', reason } : { query: 'INC-2041 root cause', k: 3, reason },
              },
              undefined,
              { timeout: 60_000 },
            );
            if (result.content) answered.push(reason);
          } catch (err) {
            if (!killed) earlyErrors.push(`${reason}: ${(err as Error).message}`);
            return; // the server is gone
          }
        }
      });
      // Kill after a random number of answered calls (not after a random delay: on a busy machine a
      // delay may pass before anything is answered), while all clients keep calling: mid-load.
      const killAfter = randomInt(5, 40);
      await waitFor(() => answered.length >= killAfter || earlyErrors.length > 0, { timeoutMs: 240_000, intervalMs: 5, what: `${killAfter} answered calls` });
      killed = true;
      server.child.kill('SIGKILL');
      // (Checked after the kill, so that a failure does not leave the server running.)
      expect(earlyErrors, `trial ${trial}: calls failed before the kill`).toEqual([]);
      await new Promise((r) => server.child.once('exit', r));
      stop = true;
      // Closing the clients ends the calls the kill cut off: the SDK would otherwise try to resume
      // their response streams and leave them pending until their 60 s timeout.
      await Promise.all(clients.map(({ client }) => client.close().catch(() => undefined)));
      await Promise.all(load);
      expect(answered.length, `trial ${trial}: some calls were answered before the kill`).toBeGreaterThan(0);

      const [chain] = await verifyAudit(config.auditDir);
      expect(chain!.ok || chain!.problem?.what.startsWith('torn final line'), `trial ${trial}: ${JSON.stringify(chain!.problem)}`).toBe(true);
      const text = readFileSync(path.join(config.auditDir, 'local.jsonl'), 'utf8');
      const recorded = new Set(
        text
          .split('\n')
          .slice(0, -1)
          .map((line) => (JSON.parse(line) as { reason?: string }).reason),
      );
      const missing = answered.filter((reason) => !recorded.has(reason));
      expect(missing, `trial ${trial}: answered without a durable record`).toEqual([]);
      // Reopening (as the next server start does) repairs a torn tail; the chain then verifies.
      await AuditLog.open({ auditDir: config.auditDir, replicaId: 'local' }).close();
      expect((await verifyAudit(config.auditDir))[0]!.ok, `trial ${trial}: after reopening`).toBe(true);
    }
  });
});
