import { z } from 'zod';
import { defineTool, ReasonSchema } from '../tool.js';
import { SourceViewSchema, toSourceView } from '../views.js';

const input = z.object({ reason: ReasonSchema }).strict();
const output = z.object({ sources: z.array(SourceViewSchema) });

export const listSourcesTool = defineTool({
  name: 'list_sources',
  title: 'List reachable sources',
  description:
    'The sources this task can search, with data class, owner and freshness; sources that need an approval first are marked `needs_approval` (use `request_access`).',
  inputSchema: input,
  outputSchema: output,
  readOnly: true,
  auditArgs: () => ({}),
  async handler(_args, { request, core }) {
    const sources = (await core.listSources(request)).map(toSourceView);
    const text =
      sources.length === 0
        ? 'No sources are reachable for this task.'
        : sources
            .map(
              (s) =>
                `- ${s.source} (${s.data_class}, owner ${s.owner}, ${s.freshness}${s.stale ? ', STALE' : ''}${s.needs_approval ? ', needs approval' : ''}): ${s.title}`,
            )
            .join('\n');
    return { structured: { sources }, text };
  },
});
