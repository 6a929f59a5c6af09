import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Approval, RequestIdentity } from '../../src/identity/identity.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { fetchDocument } from '../../src/retrieval/fetch.js';
import { search } from '../../src/retrieval/search.js';
import { SourceCatalog } from '../../src/retrieval/source-catalog.js';
import { contextFor } from '../../src/gate/gate.js';
import { A, C, H, S, oraclePermits, subset, vector, worldArb, writePolicy, type Asker, type World } from '../helpers/oracle-world.js';
import { chunkRow, tempStore } from '../helpers/chunk-rows.js';

/** Invariant 1 at the retrieval core, against the independent oracle in test/helpers/oracle-world.ts. */
const QUERIES_PER_WORLD = 40;
const CASES = Number(process.env.LEAK_CASES ?? 2000);
const WORLDS = Math.ceil(CASES / QUERIES_PER_WORLD);

const queryArb = fc.record({
  human: fc.constantFrom(...H, 'nobody'),
  agent: fc.constantFrom(...A),
  scopeClasses: fc.option(subset(C), { nil: undefined }),
  scopeSources: fc.option(subset(S), { nil: undefined }),
  approvals: fc.array(fc.record({ cls: fc.constantFrom(...C), sameTask: fc.boolean(), expired: fc.boolean() }), { maxLength: 3 }),
  vector,
  k: fc.integer({ min: 1, max: 12 }),
});
type Query = Asker & { vector: number[]; k: number };

const cosine = (a: number[], b: number[]) => {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / (Math.sqrt(na * nb) || 1);
};

// ---------------- materialise a world: real policy files, real LanceDB table -------------------
async function materialise(world: World) {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-leak-'));
  const policyDir = path.join(root, 'policy');
  writePolicy(world, policyDir);
  const policy = await PolicyEngine.load(policyDir);

  const store = await tempStore('clearance-leak-', root);
  const now = new Date().toISOString();
  const chunks = world.docs.flatMap((doc, d) =>
    doc.vectors.map((v, o) => {
      const si = S.indexOf(doc.source);
      const src = world.sources[si]!;
      return { id: `d${d}c${o}`, source: si, acl: doc.narrow ?? src.acl, vector: v, doc: `${doc.source}/d${d}` };
    }),
  );
  const table = await store.chunks();
  await table.add(
    chunks.map((c, i) =>
      chunkRow({
        chunk_id: c.id,
        source: S[c.source]!,
        doc_id: c.doc,
        doc_path: c.doc,
        title: c.doc,
        doc_version: 'v1',
        ordinal: Number(c.id.split('c')[1]),
        text: `CANARY-${c.id}`,
        chunk_hash: `h${i}`,
        data_class: world.sources[c.source]!.cls,
        owner: 'user:h0',
        acl_source: world.sources[c.source]!.acl,
        acl_doc: c.acl,
        vector: c.vector,
      }),
    ),
  );
  await (
    await store.sources()
  ).add(
    S.map((s, i) => ({
      source: s,
      title: s,
      data_class: world.sources[i]!.cls,
      owner: 'user:h0',
      acl_source: world.sources[i]!.acl,
      max_age_days: 3650,
      review_by: null,
      manifest_hash: 'x',
      doc_count: 1,
      chunk_count: 1,
      last_ingest_at: now,
    })),
  );
  return { policy, store, chunks };
}

function identityOf(q: Query): { identity: RequestIdentity; approvals: Approval[] } {
  const identity: RequestIdentity = {
    human: q.human,
    agent: q.agent,
    taskId: 'task-1',
    purpose: 'oracle',
    runId: 'run-1',
    transport: 'test',
    scope: { classes: q.scopeClasses, sources: q.scopeSources },
    grantExpiresAt: new Date(Date.now() + 60_000).toISOString(),
  };
  const approvals = q.approvals.map((a, i) => ({
    id: `ap${i}`,
    taskId: a.sameTask ? 'task-1' : 'task-2',
    human: q.human === 'nobody' ? 'h0' : q.human,
    target: { kind: 'class' as const, id: a.cls },
    approver: 'h4',
    expiresAt: new Date(Date.now() + (a.expired ? -60_000 : 60_000)).toISOString(),
  }));
  return { identity, approvals };
}

describe(`no chunk beyond human ∩ agent ∩ task ∩ approvals (${WORLDS} worlds × ${QUERIES_PER_WORLD} queries = ${WORLDS * QUERIES_PER_WORLD} cases)`, () => {
  it('search returns exactly the oracle-permitted exact top-k, and fetch agrees with the oracle', async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, fc.array(queryArb, { minLength: QUERIES_PER_WORLD, maxLength: QUERIES_PER_WORLD }), async (world, queries) => {
        const { policy, store, chunks } = await materialise(world);
        const sources = new SourceCatalog(store);
        try {
          for (const q of queries) {
            cases++;
            const { identity, approvals } = identityOf(q);
            const embedder = { embedOne: async () => Float32Array.from(q.vector) };
            const ctx = contextFor(policy, identity, approvals);
            const result = await search({ store, embedder, sources }, ctx, { query: 'q', k: q.k, mode: 'vector' });
            const permitted = chunks.filter((c) => oraclePermits(world, q, c));
            const permittedIds = new Set(permitted.map((c) => c.id));
            for (const hit of result.passages) expect(permittedIds.has(hit.result_id), `leak: ${hit.result_id} to ${q.human}/${q.agent}`).toBe(true);
            const expected = permitted
              .map((c) => ({ id: c.id, s: cosine(c.vector, q.vector) }))
              .sort((a, b) => b.s - a.s)
              .slice(0, q.k);
            // Exact top-k among permitted (ties within float noise may swap order, so compare scores).
            expect(result.passages.length).toBe(expected.length);
            result.passages.forEach((hit, i) => expect(hit.provenance.score).toBeCloseTo(expected[i]!.s, 4));
            const docs = [...new Set(chunks.map((c) => c.doc))];
            const doc = docs[q.k % docs.length]!;
            const fetched = await fetchDocument({ store, embedder, sources }, ctx, doc);
            const docPermitted = chunks.filter((c) => c.doc === doc).every((c) => permittedIds.has(c.id));
            expect(fetched.doc !== null, `fetch ${doc} for ${q.human}/${q.agent}`).toBe(docPermitted);
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: WORLDS, endOnFailure: true },
    );
    expect(cases).toBeGreaterThanOrEqual(CASES);
  });
});
