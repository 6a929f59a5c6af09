import { Client } from '@modelcontextprotocol/sdk/client/index.js';

/**
 * The SDK's own client with a generous default request timeout. The SDK gives up on any request
 * (initialize included) after 60 s, which a spawned `serve --stdio` loading the model on a busy
 * machine can exceed: tests wait for the answer, and the limit stays only as a safety net.
 */
export const MCP_SAFETY_NET_MS = 600_000;

export class TestClient extends Client {
  override request: Client['request'] = (request, resultSchema, options) => super.request(request, resultSchema, { timeout: MCP_SAFETY_NET_MS, ...options });
}
