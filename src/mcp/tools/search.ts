import { z } from 'zod';
import { IdSchema } from '../../labels/ids.js';
import { defineTool, ReasonSchema } from '../tool.js';
import { CitedChunkSchema, toCitedChunk } from '../views.js';

export const MAX_QUERY_CHARS = 2_000;

const input = z
  .object({
    query: z.string().trim().min(1, 'query must not be empty').max(MAX_QUERY_CHARS, `query is limited to ${MAX_QUERY_CHARS} characters`),
    k: z.number().int('k must be a whole number').min(1, 'k must be at least 1').max(50, 'k must be at most 50').default(5),
    sources: z.array(IdSchema).max(50).optional().describe('only search these sources (narrows, never widens)'),
    classes: z.array(IdSchema).max(10).optional().describe('only search these data classes (narrows, never widens)'),
    mode: z.enum(['hybrid', 'vector', 'fts']).default('hybrid'),
    granularity: z
      .enum(['document', 'chunk'])
      .default('document')
      .describe("document: the top k documents, each its best passage with the document's other matching passages; chunk: the top k chunks"),
    reason: ReasonSchema,
  })
  .strict();

const output = z.object({ run_id: z.string(), count: z.number().int(), results: z.array(CitedChunkSchema) });

export const searchTool = defineTool({
  name: 'search',
  title: 'Search permitted knowledge',
  description:
    'Hybrid (semantic + keyword) search over the documents your human task owner may read for this task. ' +
    'Returns the top k documents (each its best passage, with other matching passages of that document in more_passages); granularity "chunk" returns the top k chunks instead. ' +
    'Every result carries its data class, source, document id/version, span and content hash: keep them with anything you derive from it.',
  inputSchema: input,
  outputSchema: output,
  readOnly: true,
  auditArgs: ({ query, k, sources, classes, mode, granularity }) => ({ query, k, sources, classes, mode, granularity }),
  async handler(args, { request, run, core }) {
    const answer = await core.search(request, args);
    const results = answer.hits.map((h) => toCitedChunk(h.passage, args.granularity === 'document' ? h.more : undefined));
    const text =
      results.length === 0
        ? 'No permitted results for this query.'
        : results
            .map(
              (r, i) =>
                `[${i + 1}] ${r.title}${r.heading ? ` — ${r.heading}` : ''} (${r.data_class}, ${r.citation.doc_id}@${r.citation.doc_version.slice(0, 8)}, result_id ${r.result_id}${r.stale ? ', STALE' : ''})\n${r.text}` +
                (r.more_passages ?? []).map((m) => `\n  … (result_id ${m.result_id}${m.heading ? `, ${m.heading}` : ''}) ${m.text}`).join(''),
            )
            .join('\n\n');
    return {
      structured: { run_id: run.runId, count: results.length, results },
      text,
      received: answer.passages,
      withheld: answer.withheld,
      tableVersion: answer.tableVersion,
      timings: answer.timings,
      // Asking to narrow to classes or sources outside the task is pressure on the boundary (the
      // answer is simply narrowed; the record says what was asked for).
      boundaryPressure:
        answer.outside.length > 0 ? { kind: 'out_of_scope' as const, detail: `search narrowed to ${answer.outside.join(', ')}, outside this task` } : undefined,
    };
  },
});
