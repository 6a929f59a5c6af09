import type { Transport as McpTransport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ProtocolRecord, RequestClaims } from './audit-port.js';
import { auditUnavailable } from './errors.js';
import type { Session } from './session.js';

/** The JSON type of a value as an auditor reads it: `array` and `null` are told apart from `object`. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A request's params by shape: keys and JSON types (at most 20 keys), never their content. */
export function paramsShape(params: unknown): Record<string, string> | undefined {
  if (params === undefined) return undefined;
  if (jsonType(params) !== 'object') return { '(params)': jsonType(params) };
  return Object.fromEntries(
    Object.entries(params as Record<string, unknown>)
      .slice(0, 20)
      .map(([k, v]) => [k.slice(0, 80), jsonType(v)]),
  );
}

const methodOf = (method: unknown): string | null =>
  method === undefined ? null : typeof method === 'string' ? method.slice(0, 80) : JSON.stringify(method).slice(0, 80);

/** Error messages (the SDK's include pretty-printed zod issues) kept short, on one line. */
export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 300);

interface Pending {
  method: string;
  params: unknown;
}

/**
 * Audits the JSON-RPC requests of one session that no call record covers: the SDK answers
 * initialize, ping, tools/list, unknown methods and tools/call requests whose params it refuses
 * before any handler of ours runs. Sits on the transport (both directions): a request is noted as
 * it arrives; its record is written, durably, before its response is sent. A tools/call that
 * reached the pipeline is skipped: the pipeline wrote its call record.
 */
export class ProtocolAudit {
  private readonly pending = new Map<RequestId, Pending>();
  private readonly byPipeline = new Set<RequestId>();

  constructor(
    private readonly session: Session,
    private readonly jti: string | null,
  ) {}

  /** Called by the tools/call handler: this request's record is the pipeline's. */
  coveredByPipeline(id: RequestId): void {
    this.byPipeline.add(id);
  }

  /**
   * Wraps a connected transport. `transportErrors`: also record messages the transport could not
   * parse (stdio; over HTTP the edge records their 400).
   */
  attach(transport: McpTransport, options: { transportErrors?: boolean } = {}): void {
    const onmessage = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) this.pending.set(message.id, { method: message.method, params: message.params });
      onmessage?.(message, extra);
    };
    const send = transport.send.bind(transport);
    transport.send = async (message, sendOptions) => {
      const record = this.settle(message);
      if (record) {
        try {
          await this.session.audit.recordProtocol(record);
        } catch {
          // An answer that cannot be audited is not given.
          const id = (message as { id: RequestId }).id;
          return send({ jsonrpc: '2.0', id, error: { code: auditUnavailable().code, message: auditUnavailable().message } }, sendOptions);
        }
      }
      return send(message, sendOptions);
    };
    if (options.transportErrors) {
      const onerror = transport.onerror;
      transport.onerror = (error) => {
        onerror?.(error);
        const reason = oneLine(`transport: ${error.message}`);
        this.session.audit.recordProtocol({ ...this.base(null, null), outcome: 'refused', reason }).catch(() => undefined);
      };
    }
  }

  /** The record for a response to a request we noted, or null (not a response, or the pipeline's). */
  private settle(message: JSONRPCMessage): ProtocolRecord | null {
    if (!isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message)) return null;
    const id = message.id;
    if (id === undefined) return null;
    const request = this.pending.get(id);
    this.pending.delete(id);
    if (this.byPipeline.delete(id) || !request) return null;
    const name = (request.params as { name?: unknown } | undefined)?.name;
    const record: ProtocolRecord = {
      ...this.base(methodOf(request.method), JSON.stringify(id).slice(0, 80)),
      paramsShape: paramsShape(request.params),
      tool: request.method === 'tools/call' && typeof name === 'string' ? name.slice(0, 80) : undefined,
      outcome: 'answered',
    };
    if (isJSONRPCErrorResponse(message)) {
      return { ...record, outcome: 'refused', errorCode: message.error.code, reason: oneLine(message.error.message) };
    }
    return record;
  }

  private base(method: string | null, requestId: string | null): Omit<ProtocolRecord, 'outcome'> {
    const { identity } = this.session;
    const claims: RequestClaims = { verified: true, sub: identity.human, azp: identity.agent, jti: this.jti, taskId: identity.taskId };
    return { layer: 'jsonrpc', runId: identity.runId, transport: identity.transport, claims, method, requestId };
  }
}
