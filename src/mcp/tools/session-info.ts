import { z } from 'zod';
import { defineTool, ReasonSchema } from '../tool.js';

const input = z.object({ reason: ReasonSchema }).strict();
const output = z.object({
  run_id: z.string(),
  task_id: z.string(),
  purpose: z.string(),
  human: z.string(),
  agent: z.string(),
  expires_at: z.string(),
  scope: z.object({ sources: z.array(z.string()).nullable(), classes: z.array(z.string()).nullable() }),
  methods: z.array(z.string()),
  reachable_classes: z.array(z.string()),
  received: z.object({ classes: z.array(z.string()), sources: z.array(z.string()) }),
  policy_version: z.string(),
});

export const sessionInfoTool = defineTool({
  name: 'session_info',
  title: 'This run and its boundary',
  description: 'Run id, task, owner, agent, scope, allowed methods, and the data classes and sources this task has received so far (in any session).',
  inputSchema: input,
  outputSchema: output,
  readOnly: true,
  auditArgs: () => ({}),
  async handler(_args, { request, run, core }) {
    const taint = await core.received(request);
    const { identity, authority } = request;
    const structured = {
      run_id: run.runId,
      task_id: identity.taskId,
      purpose: identity.purpose,
      human: identity.human,
      agent: identity.agent,
      expires_at: identity.grantExpiresAt,
      scope: { sources: identity.scope.sources ?? null, classes: identity.scope.classes ?? null },
      methods: authority.methods,
      reachable_classes: authority.classes.map((c) => c.id),
      received: { classes: taint.classes, sources: taint.sources },
      policy_version: authority.policyVersion,
    };
    const text = [
      `run ${structured.run_id} · task ${structured.task_id} (${structured.purpose})`,
      `for ${structured.human} via ${structured.agent}, until ${structured.expires_at}`,
      `methods: ${structured.methods.join(', ')}`,
      `reachable classes: ${structured.reachable_classes.join(', ') || 'none'}`,
      `received so far: ${structured.received.classes.join(', ') || 'nothing'}`,
    ].join('\n');
    return { structured, text };
  },
});
