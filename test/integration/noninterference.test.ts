import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingestCorpora } from '../../src/app/ingest.js';
import { openServer, type ServerRuntime } from '../../src/app/server.js';
import type { TaskGrant } from '../../src/identity/grant.js';
import { connectAgent, grantFor } from '../helpers/world.js';
import { docArb, docsArb, PAIRS, textWorld, VOCABULARY, writeDocs, type Pair, type SourceId, type TextDoc } from '../helpers/text-world.js';

/**
 * Invariant 2, noninterference, as a property through the real MCP server: for a human/agent pair,
 * answer a batch of calls (every mode, every tool), then add, change and delete only documents the
 * pair cannot read, re-ingest, and answer again: every observable (text, structured content, order,
 * scores, counts, errors, _meta) must be identical, ignoring run ids.
 */
const WORLDS = Number(process.env.NONINTERFERENCE_WORLDS ?? 3);
const QUERIES = 12;

type Call = [string, Record<string, unknown>];

const queryArb = fc.record({
  words: fc.array(fc.constantFrom(...VOCABULARY), { minLength: 1, maxLength: 3 }),
  mode: fc.constantFrom('hybrid', 'vector', 'fts'),
  k: fc.constantFrom(1, 3, 10),
  quoted: fc.boolean(),
});

const mutationArb = fc.record({
  added: fc.array(
    fc.constantFrom<SourceId>('pub', 'eng', 'sup', 'sec').chain((s) => docArb(s, 'new.md')),
    { minLength: 1, maxLength: 4 },
  ),
  changeSeed: fc.nat(),
  deleteSeed: fc.nat(),
});
type Query = typeof queryArb extends fc.Arbitrary<infer T> ? T : never;
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function callsFor(docs: TextDoc[], pair: Pair, queries: Query[]): Call[] {
  const readable = docs.filter((d) => PAIRS[pair](d));
  const forbidden = docs.filter((d) => !PAIRS[pair](d));
  const idOf = (d: TextDoc) => `${d.source}/${d.name}`;
  return [
    ...queries.map((q): Call => ['search', { query: q.quoted ? `"${q.words.join(' ')}"` : q.words.join(' '), mode: q.mode, k: q.k }]),
    ['search', { query: 'webhook delivery', mode: 'fts', k: 50 }],
    ...readable.slice(0, 3).map((d): Call => ['fetch', { id: idOf(d) }]),
    ...forbidden.slice(0, 3).map((d): Call => ['fetch', { id: idOf(d) }]),
    ['fetch', { id: 'sec/never-existed.md' }],
    ['list_sources', {}],
    ['session_info', {}],
    ['check_release', { destination_class: 'public' }],
  ];
}

/** What an agent observes, minus what legitimately differs between two runs. */
function observable(result: unknown): unknown {
  return JSON.parse(JSON.stringify(result), (_key, value: unknown) => (typeof value === 'string' ? value.replace(/run_[0-9a-f-]{36}/g, '<run>') : value));
}

async function answers(runtime: ServerRuntime, pair: Pair, grant: TaskGrant, calls: Call[]): Promise<unknown[]> {
  const [human, agent] = pair.split('/') as [string, string];
  // The same task grant both times: only the run differs.
  const session = await connectAgent(runtime, human, agent, {}, grant);
  const out: unknown[] = [];
  const methods = new Set((await session.client.listTools()).tools.map((t) => t.name));
  for (const [name, args] of calls) {
    if (!methods.has(name)) continue;
    out.push(observable(await session.call(name, args).catch((err: Error) => ({ error: err.message }))));
  }
  await session.close();
  return out;
}

/** Only documents the pair cannot read: new ones, changed ones, deleted ones. */
function mutate(docs: TextDoc[], pair: Pair, m: Mutation): TextDoc[] {
  const forbidden = docs.filter((d) => !PAIRS[pair](d));
  const changed = forbidden.length ? forbidden[m.changeSeed % forbidden.length] : undefined;
  const deleted = forbidden.length > 1 ? forbidden[m.deleteSeed % forbidden.length] : undefined;
  const kept = docs
    .filter((d) => d !== deleted)
    .map((d) => (d === changed && d !== deleted ? { ...d, body: `${d.body} webhook delivery webhook ${VOCABULARY.join(' ')}` } : d));
  const added = m.added.map((d, i) => ({ ...d, name: `new${i}.md` })).filter((d) => !PAIRS[pair](d));
  return [...kept, ...added];
}

describe(`noninterference through MCP (${WORLDS} worlds × ${QUERIES + 10} calls per pair)`, () => {
  it('changing only documents a pair cannot read changes none of its answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        docsArb,
        fc.constantFrom(...(Object.keys(PAIRS) as Pair[])),
        fc.array(queryArb, { minLength: QUERIES, maxLength: QUERIES }),
        mutationArb,
        async (docs, pair, queries, m) => {
          const config = textWorld(docs);
          const runtime = await openServer(config);
          try {
            await ingestCorpora(runtime.app);
            const calls = callsFor(docs, pair, queries);
            const [human, agent] = pair.split('/') as [string, string];
            const { grant } = await grantFor(config, human, agent);
            const before = await answers(runtime, pair, grant, calls);
            writeDocs(config.corporaDir, mutate(docs, pair, m));
            const report = await ingestCorpora(runtime.app);
            expect(report.sources.every((s) => s.error === null)).toBe(true);
            const after = await answers(runtime, pair, grant, calls);
            expect(after, `${pair}: answers changed after editing only forbidden documents`).toEqual(before);
          } finally {
            await runtime.close();
          }
        },
      ),
      { numRuns: WORLDS, endOnFailure: true },
    );
  });
});
