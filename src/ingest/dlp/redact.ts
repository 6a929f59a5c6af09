import type { Span } from './finding.js';

export interface Marked extends Span {
  kind: string;
}

export const marker = (kind: string) => `[REDACTED:${kind}]`;

/** Overlapping or touching spans become one, named by the first. */
function merge(spans: readonly Marked[]): Marked[] {
  const out: Marked[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = out.at(-1);
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/**
 * Replaces each span with its marker. `at` maps an offset in the old text to the new one (an offset
 * inside a replaced span goes to the marker's start), so heading offsets stay on their headings.
 */
export function redact(text: string, spans: readonly Marked[]): { text: string; at(offset: number): number } {
  const merged = merge(spans);
  let out = '';
  let from = 0;
  for (const s of merged) {
    out += text.slice(from, s.start) + marker(s.kind);
    from = s.end;
  }
  out += text.slice(from);
  const at = (offset: number) => {
    let delta = 0;
    for (const s of merged) {
      if (offset < s.end) return offset <= s.start ? offset + delta : s.start + delta;
      delta += marker(s.kind).length - (s.end - s.start);
    }
    return offset + delta;
  };
  return { text: out, at };
}
