import type { Passage } from '../labels/provenance.js';

/**
 * What one run (MCP session) has received so far: its taint set for release checks and
 * `session_info`. Held per session, never in module state.
 */
export class RunState {
  readonly classes = new Set<string>();
  readonly sources = new Set<string>();
  private readonly passages = new Map<string, Passage>();
  calls = 0;

  constructor(
    readonly runId: string,
    readonly startedAt: Date = new Date(),
  ) {}

  record(received: Passage[]): void {
    for (const passage of received) {
      this.classes.add(passage.provenance.data_class);
      this.sources.add(passage.provenance.source);
      this.passages.set(passage.provenance.chunk_hash, passage);
    }
  }

  received(): Passage[] {
    return [...this.passages.values()];
  }
}
