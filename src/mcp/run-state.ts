import type { ReceivedChunk } from './tool.js';

/**
 * What one run (MCP session) has received so far: its taint set for release checks and
 * `session_info`. Held per session, never in module state.
 */
export class RunState {
  readonly classes = new Set<string>();
  readonly sources = new Set<string>();
  private readonly chunks = new Map<string, ReceivedChunk>();
  calls = 0;

  constructor(
    readonly runId: string,
    readonly startedAt: Date = new Date(),
  ) {}

  record(received: ReceivedChunk[]): void {
    for (const chunk of received) {
      this.classes.add(chunk.data_class);
      this.sources.add(chunk.source);
      this.chunks.set(chunk.chunk_hash, chunk);
    }
  }

  receivedChunks(): ReceivedChunk[] {
    return [...this.chunks.values()];
  }
}
