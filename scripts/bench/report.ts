import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printTable } from '../../src/cli/output.js';

export type Row = Record<string, string | number | boolean | null>;

/** Prints a table and writes it as JSON to bench-results/<name>.json (git-ignored). */
export function report(name: string, title: string, rows: Row[], notes: string[] = []): void {
  process.stdout.write(`\n## ${title}\n\n`);
  printTable(rows);
  for (const note of notes) process.stdout.write(`${note}\n`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(path.join('bench-results', `${name}.json`), JSON.stringify({ name, title, at: new Date().toISOString(), rows, notes }, null, 2));
}

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export const rssMb = () => round(process.memoryUsage().rss / 1024 / 1024, 0);
