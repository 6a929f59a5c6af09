import { z } from 'zod';
import { IdSchema } from '../../labels/ids.js';
import { defineTool, ReasonSchema } from '../tool.js';

const input = z
  .object({
    source: IdSchema.optional().describe('the source to ask for'),
    class: IdSchema.optional().describe('or the data class to ask for'),
    reason: ReasonSchema.describe('why this task needs it; the approver reads this'),
  })
  .strict()
  .refine((v) => (v.source === undefined) !== (v.class === undefined), {
    message: 'give exactly one of `source` or `class`',
    path: ['source'],
  });

const output = z.object({ request_id: z.string(), status: z.literal('pending'), message: z.string() });

export const requestAccessTool = defineTool({
  name: 'request_access',
  title: 'Ask a human for access',
  description:
    "Ask for a source or data class outside this task's current reach. Creates a pending request for a named approver; nothing becomes readable until a human approves it for this task.",
  inputSchema: input,
  outputSchema: output,
  readOnly: false,
  auditArgs: (args) => ({ source: args.source, class: args.class }),
  async handler(args, { request, core }) {
    const target = args.source ? { kind: 'source' as const, id: args.source } : { kind: 'class' as const, id: args.class! };
    const { request_id } = await core.requestAccess(request, target, args.reason);
    const message = `Request ${request_id} is pending. An approver will decide; call list_sources or search again later.`;
    return {
      structured: { request_id, status: 'pending' as const, message },
      text: message,
      boundaryPressure: { kind: 'request_access', detail: `${target.kind} ${target.id}: ${args.reason}` },
    };
  },
});
