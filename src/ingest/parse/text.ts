import path from 'node:path';
import type { ParsedDoc } from '../document.js';

export function parseText(raw: string, docId: string, relPath: string): ParsedDoc {
  const firstLine = raw.split(/\r?\n/, 1)[0]?.trim();
  return { docId, path: relPath, title: firstLine && firstLine.length <= 120 ? firstLine : path.basename(relPath), text: raw, updatedAt: null, headings: [] };
}
