import { z } from 'zod';

/** Limits that keep one task or grant from exhausting the server or the approvers (per server process). */
export const QuotasSchema = z
  .object({
    /** Open MCP sessions (HTTP) under one task grant. */
    sessionsPerGrant: z.number().int().min(1).max(10_000).default(8).describe('Open MCP sessions (HTTP) under one task grant.'),
    /** An HTTP session with no request for this long is closed (its run ends). */
    sessionIdleSeconds: z
      .number()
      .min(1)
      .max(86_400)
      .default(1_800)
      .describe('An HTTP session with no request for this long (seconds) is closed; its run ends.'),
    /** Tool calls per task in any sliding minute. */
    callsPerMinutePerTask: z.number().int().min(1).max(1_000_000).default(600).describe('Tool calls per task in any sliding minute.'),
    /** Pending access requests one task may have open at once. */
    pendingRequestsPerTask: z.number().int().min(1).max(10_000).default(10).describe('Pending access requests one task may have open at once.'),
    /** Pending access requests one human's tasks may have open at once. */
    pendingRequestsPerHuman: z.number().int().min(1).max(100_000).default(50).describe("Pending access requests one human's tasks may have open at once."),
  })
  .strict();
export type Quotas = z.infer<typeof QuotasSchema>;

export class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
}

/** Calls per task in a sliding minute; one instance per server process, never module state. */
export class CallRate {
  private readonly calls = new Map<string, number[]>();

  constructor(private readonly perMinute: number) {}

  /** Counts a call; throws QuotaExceeded past the limit (the refused call is not counted). */
  take(taskId: string, now = Date.now()): void {
    const recent = (this.calls.get(taskId) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= this.perMinute) {
      this.calls.set(taskId, recent);
      throw new QuotaExceeded(`task ${taskId} made ${this.perMinute} calls in the last minute (the limit); wait and try again`);
    }
    recent.push(now);
    this.calls.set(taskId, recent);
    if (this.calls.size > 10_000) for (const [task, times] of this.calls) if (times.every((t) => t <= now - 60_000)) this.calls.delete(task);
  }
}
