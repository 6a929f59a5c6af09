import { z } from 'zod';
import { IdSchema } from '../../labels/ids.js';
import { defineTool, ReasonSchema } from '../tool.js';

const input = z
  .object({
    destination_class: IdSchema.describe('the data class of where the content would go, e.g. `public` for a public issue or commit message'),
    draft: z.string().max(100_000, 'draft is limited to 100,000 characters').optional().describe('the text you intend to write'),
    reason: ReasonSchema,
  })
  .strict();

const output = z.object({
  allowed: z.boolean(),
  reason: z.string(),
  destination_class: z.string(),
  received_classes: z.array(z.string()),
  blocking_classes: z.array(z.string()),
  quoted: z.array(z.object({ doc_id: z.string(), data_class: z.string(), chunk_hash: z.string(), overlap: z.number() })),
});

export const checkReleaseTool = defineTool({
  name: 'check_release',
  title: 'May this run write there?',
  description:
    'Before writing anything derived from this run somewhere else, ask whether everyone who can read the destination could read everything this run received; with a draft, also which received chunks it quotes.',
  inputSchema: input,
  outputSchema: output,
  readOnly: true,
  auditArgs: ({ destination_class, draft }) => ({ destination_class, draft_chars: draft?.length ?? 0 }),
  async handler({ destination_class, draft }, { request, core }) {
    // What the task received in every session, process and replica, not just this connection.
    const taint = await core.received(request);
    if (!request.policy.classInfo(destination_class)) {
      return {
        structured: {
          allowed: false,
          reason: `unknown destination class "${destination_class}"`,
          destination_class,
          received_classes: taint.classes,
          blocking_classes: [],
          quoted: [],
        },
        text: `Unknown destination class "${destination_class}". Use one of the data classes listed by list_sources.`,
        isError: true,
      };
    }
    const verdict = core.checkRelease(request, taint.chunks, destination_class, draft);
    const structured = { ...verdict, destination_class, received_classes: taint.classes };
    return {
      structured,
      text: `${verdict.allowed ? 'ALLOWED' : 'NOT ALLOWED'}: ${verdict.reason}`,
      boundaryPressure: verdict.allowed ? undefined : { kind: 'release_check_failed', detail: `to ${destination_class}: ${verdict.reason}` },
    };
  },
});
