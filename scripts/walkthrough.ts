/**
 * The "2 a.m." incident of docs/auditing.md, replayed against the sample world so its output can be
 * reproduced: `npm run build && node dist/scripts/walkthrough.js` (uses CLEARANCE_HOME, default ./.clearance;
 * run `npm run demo` first so the store is ingested).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/config/package.js';

const CLI = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');
const cli = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, LANCEDB_LOG: 'error' } });

const token = cli(
  'task',
  'start',
  '--owner',
  'alice',
  '--agent',
  'claude-code',
  '--purpose',
  'Draft the public INC-2041 follow-up',
  '--ttl',
  '2h',
  '--token-only',
).trim();
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [CLI, 'serve', '--stdio'],
  env: { ...process.env, CLEARANCE_TASK_TOKEN: token, LANCEDB_LOG: 'error' } as Record<string, string>,
  stderr: 'ignore',
});
const agent = new Client({ name: 'night-agent', version: '1.0.0' });
await agent.connect(transport);
const call = async (name: string, args: Record<string, unknown>) => {
  try {
    return await agent.callTool({ name, arguments: args });
  } catch (err) {
    return { error: (err as Error).message };
  }
};
const info = (await call('session_info', { reason: 'where am I' })) as unknown as { structuredContent: { run_id: string } };
const runId = info.structuredContent.run_id;
await call('search', { query: 'INC-2041 what happened', k: 3, reason: 'collect facts for the public follow-up' });
await call('search', { query: 'leaked API keys merchants affected', k: 3, classes: ['security', 'customer'], reason: 'which merchants were affected' });
await call('fetch', { id: 'runbooks/prod-database.md', reason: 'check database failover details' });
await call('request_access', { class: 'customer', reason: 'need the merchant list for the post' });
await call('check_release', {
  destination_class: 'public',
  draft: 'A config push reduced gateway.pool_size from 64 to 8 and set logging.request_body: true.',
  reason: 'about to publish',
});
process.stdout.write(`RUN ${runId}\n`);
cli('kill', '--run', runId, '--reason', 'agent probing restricted material at 02:00');
// The switch reaches every serving process within a second (each polls the store every 200 ms).
await new Promise((resolve) => setTimeout(resolve, 1_000));
const after = await call('search', { query: 'anything', reason: 'continue' });
process.stdout.write(`after kill: ${'error' in after ? after.error : 'answered'}\n`);
await agent.close();
