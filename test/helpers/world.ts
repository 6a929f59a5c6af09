import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { TaskGrant } from '../../src/identity/grant.js';
import { mintGrant } from '../../src/identity/mint.js';
import type { TaskScope } from '../../src/identity/identity.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';
import { openServer, type ServerRuntime } from '../../src/app/server.js';
import { ingestCorpora } from '../../src/app/ingest.js';
import { buildServer } from '../../src/mcp/server.js';
import { endRun, startRun } from '../../src/mcp/session.js';
import { TestClient } from './mcp-client.js';

export const REPO = path.resolve(import.meta.dirname, '../..');

/** A temp Clearance home with copies of the sample corpora and policy (tests may edit the copies). */
export function tempWorld(overrides: Partial<Config> = {}): Config {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-test-'));
  cpSync(path.join(REPO, 'corpora'), path.join(root, 'corpora'), { recursive: true });
  cpSync(path.join(REPO, 'policy'), path.join(root, 'policy'), { recursive: true });
  // In-process servers log warnings only: a test's output is its results, not every call's log line
  // (server processes a test starts keep the default, and test/e2e/operate.test.ts reads theirs).
  return { ...loadConfig({ cwd: root, env: {} }), logLevel: 'warn', ...overrides };
}

/** The sample world ingested into a real LanceDB folder, served by the real runtime. */
export async function sampleRuntime(config: Config = tempWorld()): Promise<ServerRuntime> {
  const runtime = await openServer(config);
  await ingestCorpora(runtime.app);
  return runtime;
}

export async function grantFor(
  config: Config,
  human: string,
  agent: string,
  scope: TaskScope = {},
  ttlSeconds = 3600,
): Promise<{ token: string; grant: TaskGrant }> {
  const key = await loadOrCreateSigningKey(config.keysDir);
  return mintGrant(key, config, { human, agent, purpose: `test task for ${human}`, scope, ttlSeconds });
}

export interface Agent {
  client: Client;
  runId: string;
  grant: TaskGrant;
  call(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ structuredContent?: Record<string, unknown>; content: { type: string; text: string }[]; isError?: boolean }>;
  close(): Promise<void>;
}

/** An SDK client connected to a real per-run server over the in-memory MCP transport. */
export async function connectAgent(runtime: ServerRuntime, human: string, agent: string, scope: TaskScope = {}, grant?: TaskGrant): Promise<Agent> {
  const g = grant ?? (await grantFor(runtime.app.config, human, agent, scope)).grant;
  const session = await startRun(runtime, g, 'test');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await buildServer(session).connect(serverSide);
  const client = new TestClient({ name: 'test', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    runId: session.run.runId,
    grant: g,
    call: (name, args) => client.callTool({ name, arguments: { reason: 'test call', ...args } }) as never,
    async close() {
      await client.close();
      await endRun(session, 'test finished');
    },
  };
}

export type SearchResults = { results: { result_id: string; text: string; title: string; data_class: string; citation: { source: string; doc_id: string } }[] };
