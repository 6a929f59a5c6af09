import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Query } from '@lancedb/lancedb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCorpora } from '../../src/app/ingest.js';
import type { ServerRuntime } from '../../src/app/server.js';
import { connectAgent, sampleRuntime, tempWorld } from '../helpers/world.js';

let runtime: ServerRuntime;
beforeAll(async () => {
  runtime = await sampleRuntime(tempWorld());
});
afterAll(async () => runtime.close());

type Results = { results: { result_id: string; score: number; text: string; citation: { doc_id: string } }[] };

describe('side channels found by attacking the server (issue: noninterference)', () => {
  it('finding 1: full-text scores do not depend on documents the human cannot read', async () => {
    const gina = await connectAgent(runtime, 'gina', 'claude-code');
    const ask = async () => (await gina.call('search', { query: 'webhooks', mode: 'fts', k: 50 })).structuredContent as unknown as Results;
    const before = await ask();
    expect(before.results.length).toBeGreaterThan(0);
    // A security-class document full of the query words, which gina cannot read.
    writeFileSync(
      path.join(runtime.app.config.corporaDir, 'security-reviews', 'webhook-abuse.md'),
      '---\ntitle: "Webhook abuse review"\nupdated: 2026-11-20\n---\n# Webhooks\n\nwebhooks webhooks webhooks: signature bypass attempts on webhook endpoints.\n',
    );
    expect((await ingestCorpora(runtime.app)).docsEmbedded).toBe(1);
    const after = await ask();
    expect(after.results.map((r) => [r.result_id, r.score])).toEqual(before.results.map((r) => [r.result_id, r.score]));
    await gina.close();
  });

  it('finding 2: fetch runs the same store queries for a forbidden id and a missing one (latency statistic reported, not asserted)', async () => {
    const chunks = await runtime.app.store.chunks();
    const shapes: string[] = [];
    const realRows = chunks.rows.bind(chunks);
    // Record the shape of every store read (literals blanked): the code path, not the time.
    chunks.rows = ((where, options) => {
      shapes.push(`${String(where).replace(/'(?:[^']|'')*'/g, '?')} ${JSON.stringify(options?.select?.length ?? null)}`);
      return realRows(where, options);
    }) as typeof chunks.rows;
    const gina = await connectAgent(runtime, 'gina', 'claude-code');
    const timings: Record<'forbidden' | 'missing', number[]> = { forbidden: [], missing: [] };
    const probe = async (kind: 'forbidden' | 'missing', id: string) => {
      shapes.length = 0;
      const t = performance.now();
      const answer = await gina.call('fetch', { id });
      timings[kind].push(performance.now() - t);
      return { shapes: [...shapes], answer: { ...answer, content: answer.content.map((c) => c.text.replace(id, '<id>')) } };
    };
    try {
      for (let i = 0; i < 30; i++) {
        const forbidden = await probe('forbidden', 'security-reviews/inc-2041-forensics.md');
        const missing = await probe('missing', 'security-reviews/inc-9999-nothing.md');
        expect(forbidden.shapes).toEqual(missing.shapes);
        expect(forbidden.answer).toEqual(missing.answer);
      }
    } finally {
      chunks.rows = realRows;
      await gina.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `fetch latency median: forbidden ${median(timings.forbidden).toFixed(2)} ms, missing ${median(timings.missing).toFixed(2)} ms (30 interleaved tries each)`,
    );
  });

  it('finding 2 at the LanceDB boundary: every query a fetch runs has the same predicate for a forbidden and a missing id', async () => {
    // Below every wrapper of ours (TypedTable, the store), so a fetch that skipped its
    // permission-filtered read when the id does not exist is seen whatever code path it takes.
    const base = Object.getPrototypeOf(Query.prototype) as { where(this: unknown, predicate: string): unknown };
    const realWhere = base.where;
    const predicates: string[] = [];
    base.where = function (this: unknown, predicate: string) {
      // The chunk reads (governance reads are cached and vary call to call, for both kinds alike).
      if (/\b(doc_id|chunk_id)\b/.test(predicate)) predicates.push(predicate.replace(/'(?:[^']|'')*'/g, '?'));
      return realWhere.call(this, predicate);
    };
    const gina = await connectAgent(runtime, 'gina', 'claude-code');
    const probe = async (id: string) => {
      predicates.length = 0;
      await gina.call('fetch', { id });
      return [...predicates];
    };
    try {
      const forbidden = await probe('security-reviews/inc-2041-forensics.md');
      const missing = await probe('security-reviews/inc-9999-nothing.md');
      expect(forbidden.length).toBeGreaterThan(0);
      expect(forbidden).toEqual(missing);
    } finally {
      base.where = realWhere;
      await gina.close();
    }
  });

  it('finding 7: quoted phrase queries are answered in hybrid and full-text mode, and match the phrase', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    for (const mode of ['hybrid', 'fts'] as const) {
      const result = await alice.call('search', { query: '"checkout latency"', mode, k: 5 });
      expect(result.isError, mode).toBeFalsy();
      const results = (result.structuredContent as unknown as Results).results;
      expect(results.length, mode).toBeGreaterThan(0);
      if (mode === 'fts') for (const r of results) expect(r.text.toLowerCase().replace(/\s+/g, ' ')).toMatch(/checkout\W+latency/);
    }
    await alice.close();
  });

  it('finding 7: any query string is answered or refused with a clear argument error, never an internal error', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.constantFrom('"', '""', '"unterminated', 'a AND OR NOT', '+-~*?:\\/()[]{}^', 'field:value', '\u0000', ' '),
        ),
        fc.constantFrom('hybrid', 'vector', 'fts'),
        async (query, mode) => {
          // Never a JSON-RPC error: an answer, or an isError result naming the query field (SEP-1303).
          const result = await alice.call('search', { query, mode, k: 3 });
          if (result.isError) expect(result.content[0]!.text, JSON.stringify(query)).toMatch(/^Invalid arguments for tool search;[^]*\n- query: /);
          else expect(Array.isArray((result.structuredContent as unknown as Results).results)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
    await alice.close();
  });
});
