import { describe, expect, it } from 'vitest';
import { openServer } from '../../src/app/server.js';
import { connectAgent, grantFor, sampleRuntime, tempWorld } from '../helpers/world.js';

type Hits = { results: { text: string; data_class: string; citation: { doc_id: string } }[] };
type Verdict = { allowed: boolean; received_classes: string[]; quoted: { doc_id: string }[] };

describe('what a task received follows the task, not the connection', () => {
  it('finding 3: check_release remembers an internal chunk in a new session and after a server restart', async () => {
    const config = tempWorld();
    const runtime = await sampleRuntime(config);
    const { grant } = await grantFor(config, 'alice', 'claude-code');
    const first = await connectAgent(runtime, 'alice', 'claude-code', {}, grant);
    const hits = (await first.call('search', { query: 'INC-2041 postmortem root cause', k: 5, classes: ['internal'] })).structuredContent as unknown as Hits;
    const chunk = hits.results.find((r) => r.data_class === 'internal')!;
    expect(chunk).toBeDefined();
    const ask = async (session: typeof first) =>
      (await session.call('check_release', { destination_class: 'public', draft: chunk.text })).structuredContent as unknown as Verdict;
    expect((await ask(first)).allowed).toBe(false);
    await first.close();

    // A fresh session under the same grant: it has received nothing itself, the task has.
    const second = await connectAgent(runtime, 'alice', 'claude-code', {}, grant);
    const verdict = await ask(second);
    expect(verdict.allowed).toBe(false);
    expect(verdict.received_classes).toContain('internal');
    expect(verdict.quoted.map((q) => q.doc_id)).toContain(chunk.citation.doc_id);
    const info = (await second.call('session_info', {})).structuredContent as { received: { classes: string[] } };
    expect(info.received.classes).toContain('internal');
    await second.close();
    await runtime.close();

    // A restarted server process (or another replica) over the same store.
    const restarted = await openServer(config);
    const third = await connectAgent(restarted, 'alice', 'claude-code', {}, grant);
    expect((await ask(third)).allowed).toBe(false);
    await third.close();

    // Another task of the same human starts clean.
    const other = await connectAgent(restarted, 'alice', 'claude-code');
    expect((await ask(other)).allowed).toBe(true);
    await other.close();
    await restarted.close();
  });
});
