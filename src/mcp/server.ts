import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Transport as McpTransport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { malformedToolCall, methodNotFound } from './errors.js';
import { callTool } from './pipeline.js';
import { ProtocolAudit } from './protocol-audit.js';
import type { Session } from './session.js';
import { VERSION } from '../config/package.js';
import { TOOLS } from './tools/index.js';

export const SERVER_INFO = { name: 'clearance', version: VERSION };

const INSTRUCTIONS =
  'Clearance answers from the documents your human task owner may read for this task, and nothing else. ' +
  'Give a short `reason` with every call. Results carry data-class labels: before writing anything derived from them ' +
  'somewhere others can read, call `check_release` (if your task allows it). Absent results may simply not exist.';

/**
 * What a tools/call must carry to reach the pipeline; `arguments` is the tool's to judge (a wrong
 * shape is an invalid-arguments tool result, like any other argument the input schema refuses).
 */
const ToolCallParamsSchema = z.looseObject({
  name: z.string('"name" must be a string: the tool to call'),
  arguments: z.unknown().optional(),
});

function toolListing(name: string): Tool {
  const tool = TOOLS.find((t) => t.name === name)!;
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.inputSchema, { io: 'input' }) as Tool['inputSchema'],
    outputSchema: z.toJSONSchema(tool.outputSchema, { io: 'output' }) as Tool['outputSchema'],
    annotations: {
      title: tool.title,
      readOnlyHint: tool.readOnly,
      destructiveHint: false,
      idempotentHint: tool.readOnly,
      openWorldHint: false,
    },
  };
}

/**
 * One MCP server per run: its tools are exactly the ones this task's identity may call. Given a
 * protocol audit, the tools/call requests that reach the pipeline are left to its call record.
 */
export function buildServer(session: Session, protocol?: ProtocolAudit): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: (await session.gate.enter(session.identity)).authority.methods.map(toolListing),
  }));
  // tools/call is parsed here, not by the SDK's handler: its strict parse answers a malformed call
  // with -32603 and zod's JSON, and an argument of the wrong type never reaches the tool.
  server.fallbackRequestHandler = async (request, extra) => {
    if (request.method !== 'tools/call') throw methodNotFound(request.method);
    const params = ToolCallParamsSchema.safeParse(request.params);
    if (!params.success) throw malformedToolCall(params.error.issues[0]?.message ?? 'params must be an object');
    protocol?.coveredByPipeline(extra.requestId);
    return callTool(session, params.data.name, params.data.arguments);
  };
  return server;
}

/**
 * Serves a run on a transport with every request audited: the pipeline records tool calls, the
 * protocol audit everything else (attached before connect, so no message arrives unobserved).
 */
export async function serveRun(session: Session, transport: McpTransport, options: { jti: string; transportErrors?: boolean }): Promise<Server> {
  const protocol = new ProtocolAudit(session, options.jti);
  const server = buildServer(session, protocol);
  protocol.attach(transport, { transportErrors: options.transportErrors });
  await server.connect(transport);
  return server;
}
