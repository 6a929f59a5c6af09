import { z } from 'zod';
import { defineTool, ReasonSchema } from '../tool.js';
import { DocumentViewSchema, toDocumentView } from '../views.js';

const input = z
  .object({
    id: z.string().min(1, 'id must not be empty').max(300, 'id is at most 300 characters').describe('a result_id from `search`, or a doc_id'),
    reason: ReasonSchema,
  })
  .strict();

const output = z.object({ found: z.boolean(), document: DocumentViewSchema.nullable() });

/** The one answer for both a missing and a forbidden id: no existence oracle. */
export const NOT_AVAILABLE = (id: string) => `No document "${id}" is available to this task.`;

export const fetchTool = defineTool({
  name: 'fetch',
  title: 'Fetch a permitted document',
  description: 'The full text of a document (by result_id or doc_id) with its labels, if this task may read it.',
  inputSchema: input,
  outputSchema: output,
  readOnly: true,
  auditArgs: ({ id }) => ({ id }),
  async handler({ id }, { request, core }) {
    const { doc, withheld, tableVersion } = await core.fetch(request, id);
    if (!doc) {
      return {
        structured: { found: false, document: null },
        text: NOT_AVAILABLE(id),
        withheld,
        tableVersion: tableVersion ?? undefined,
        isError: true,
        boundaryPressure: withheld > 0 ? { kind: 'not_found_or_forbidden', detail: `fetch of an id outside this task` } : undefined,
      };
    }
    return {
      structured: { found: true, document: toDocumentView(doc) },
      text: `${doc.title} (${doc.dataClass}, ${doc.docId}@${doc.docVersion.slice(0, 8)}${doc.stale ? ', STALE' : ''})\n\n${doc.text}`,
      received: doc.passages,
      withheld,
      tableVersion: tableVersion ?? undefined,
    };
  },
});
