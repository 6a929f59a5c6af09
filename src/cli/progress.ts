import type { IngestProgress } from '../ingest/ingest.js';
import { inertLine } from '../views/inert.js';

/** When not on a terminal: a line at least this often, and at every tenth of a source's documents. */
const PLAIN_EVERY_MS = 5_000;
const PLAIN_STEPS = 10;

const duration = (seconds: number) =>
  !Number.isFinite(seconds)
    ? '?'
    : seconds < 90
      ? `${Math.ceil(seconds)} s`
      : seconds < 5400
        ? `${Math.ceil(seconds / 60)} min`
        : `${(seconds / 3600).toFixed(1)} h`;

/** `ingest <source>: 120/300 documents, 131 chunks, 12.5 docs/s, ETA 15 s` (the parseable form tests and log readers rely on). */
export function progressLine(p: IngestProgress, elapsedSeconds: number): string {
  const rate = elapsedSeconds > 0 ? p.docsDone / elapsedSeconds : 0;
  const eta = p.docsDone === p.docsTotal ? 'done' : `ETA ${duration(rate > 0 ? (p.docsTotal - p.docsDone) / rate : Infinity)}`;
  return `ingest ${inertLine(p.source)}: ${p.docsDone}/${p.docsTotal} documents, ${p.chunksDone} chunks, ${rate.toFixed(1)} docs/s, ${eta}`;
}

/**
 * Progress of the embedding phase on stderr: one live line on a terminal; otherwise plain lines,
 * every few seconds and every tenth of a source, and always its last (so logs stay short and parseable).
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { onProgress(p: IngestProgress): void; stop(): void } {
  let source = '';
  let started = 0;
  let lastAt = 0;
  let lastDocs = 0;
  let liveOpen = false;
  return {
    onProgress(p) {
      const now = performance.now();
      if (p.source !== source || p.docsDone === 0) {
        if (liveOpen) stream.write('\n');
        liveOpen = false;
        source = p.source;
        started = now;
        lastAt = now;
        lastDocs = 0;
      }
      const line = progressLine(p, (now - started) / 1000);
      const last = p.docsDone === p.docsTotal;
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${line}${last ? '\n' : ''}`);
        liveOpen = !last;
        return;
      }
      const step = Math.max(1, Math.ceil(p.docsTotal / PLAIN_STEPS));
      if (p.docsDone === 0 || (!last && now - lastAt < PLAIN_EVERY_MS && p.docsDone - lastDocs < step)) return;
      stream.write(`${line}\n`);
      lastAt = now;
      lastDocs = p.docsDone;
    },
    stop() {
      if (liveOpen) stream.write('\n');
      liveOpen = false;
    },
  };
}
