const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses durations like 500ms, 90s, 30m, 8h, 400d into milliseconds; `field` names the flag in the error. */
export function parseDurationMs(text: string, field: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`${field} "${text}": use a number and a unit, e.g. 90m, 8h or 400d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A grant or approval lifetime: 1 second to 30 days. */
export function parseTtlSeconds(ttl: string): number {
  const ms = parseDurationMs(ttl, '--ttl');
  if (ms <= 0 || ms > 30 * 86_400_000) throw new Error(`--ttl "${ttl}": must be between 1s and 30d`);
  return ms / 1000;
}
