import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateDeps, type ServerRuntime } from '../../src/app/server.js';
import { Gate, type RequestContext } from '../../src/gate/gate.js';
import type { RequestIdentity } from '../../src/identity/identity.js';
import type { CorePorts } from '../../src/mcp/core-ports.js';
import { connectAgent, sampleRuntime } from '../helpers/world.js';

let runtime: ServerRuntime;
beforeAll(async () => {
  runtime = await sampleRuntime();
});
afterAll(async () => runtime.close());

/** A gate that records every context it builds, wrapped around the real one. */
class SpyGate extends Gate {
  readonly built: RequestContext[] = [];
  override async enter(identity: RequestIdentity, now?: number): Promise<RequestContext> {
    const ctx = await super.enter(identity, now);
    this.built.push(ctx);
    return ctx;
  }
}

/** Core ports that record which context each read was asked with. */
function spyCore(core: CorePorts, seen: RequestContext[]): CorePorts {
  const wrap =
    <A extends unknown[], R>(fn: (ctx: RequestContext, ...args: A) => R) =>
    (ctx: RequestContext, ...args: A): R => {
      seen.push(ctx);
      return fn(ctx, ...args);
    };
  return {
    ...core,
    search: wrap(core.search),
    fetch: wrap(core.fetch),
    listSources: wrap(core.listSources),
    requestAccess: wrap(core.requestAccess),
    checkRelease: wrap(core.checkRelease),
  };
}

const CALLS: [string, Record<string, unknown>][] = [
  ['search', { query: 'INC-2041 root cause', k: 3 }],
  ['fetch', { id: 'eng-docs/on-call-guide.md' }],
  ['list_sources', {}],
  ['session_info', {}],
  ['check_release', { destination_class: 'public' }],
  ['request_access', { class: 'telemetry', reason: 'need the alert timeline' }],
  ['no_such_tool', {}],
];

describe('one gate: every tool call is decided by exactly one request context', () => {
  it('each tools/call and tools/list builds one context, and every core read is asked with that context', async () => {
    const gate = new SpyGate(gateDeps(runtime.app, runtime.watcher));
    const seen: RequestContext[] = [];
    const alice = await connectAgent({ ...runtime, gate, core: spyCore(runtime.core, seen) }, 'alice', 'claude-code');
    gate.built.length = 0; // the run start builds one too
    await alice.client.listTools();
    expect(gate.built).toHaveLength(1);
    for (const [name, args] of CALLS) {
      const before = gate.built.length;
      const seenBefore = seen.length;
      await alice.call(name, args).catch(() => undefined);
      expect(gate.built.length - before, `${name}: contexts built`).toBe(1);
      const ctx = gate.built.at(-1)!;
      expect(ctx.identity.human).toBe('alice');
      // Whatever the tool read, it read with the context of this call, never another.
      for (const asked of seen.slice(seenBefore)) expect(asked, name).toBe(ctx);
    }
    expect(seen.length).toBeGreaterThanOrEqual(4);
    await alice.close();
  });
});

describe('list_sources says neither more nor less than search and fetch can reach', () => {
  const PAIRS: [string, string][] = [
    ['alice', 'claude-code'],
    ['bob', 'support-assistant'],
    ['carol', 'audit-assistant'],
    ['dan', 'audit-assistant'],
    ['frank', 'ops-agent'],
    ['gina', 'claude-code'],
  ];

  it('a source is listed as readable exactly when some of its documents can be fetched', async () => {
    const docs = (await (await runtime.app.store.chunks()).rows(undefined, { select: ['doc_id', 'source'] })).reduce(
      (bySource, r) => bySource.set(r.source, new Set([...(bySource.get(r.source) ?? []), r.doc_id])),
      new Map<string, Set<string>>(),
    );
    for (const [human, agent] of PAIRS) {
      const who = await connectAgent(runtime, human, agent);
      const methods = (await who.client.listTools()).tools.map((t) => t.name);
      const listed = ((await who.call('list_sources', {})).structuredContent as { sources: { source: string; needs_approval: boolean }[] }).sources;
      const readable = new Set(listed.filter((s) => !s.needs_approval).map((s) => s.source));
      for (const [source, ids] of docs) {
        let fetched = 0;
        if (methods.includes('fetch')) {
          for (const id of ids) if (!(await who.call('fetch', { id })).isError) fetched++;
        } else {
          const hits = (await who.call('search', { query: source, k: 50, sources: [source] })).structuredContent as { results: unknown[] };
          fetched = hits.results.length;
        }
        expect(fetched > 0, `${human} via ${agent}: ${source} listed ${readable.has(source)} but ${fetched} documents reachable`).toBe(readable.has(source));
      }
      await who.close();
    }
  });
});
