import type { Passage } from '../labels/provenance.js';

/**
 * What one run (MCP session) has received, for its end record. The task's taint set, which release
 * checks and `session_info` use, lives in the store (governance/taint.ts). Held per session.
 */
export class RunState {
  readonly classes = new Set<string>();
  readonly sources = new Set<string>();
  calls = 0;

  constructor(
    readonly runId: string,
    readonly startedAt: Date = new Date(),
  ) {}

  record(received: Passage[]): void {
    for (const passage of received) {
      this.classes.add(passage.provenance.data_class);
      this.sources.add(passage.provenance.source);
    }
  }
}
