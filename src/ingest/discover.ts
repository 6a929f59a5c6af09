import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Skip } from './document.js';
import type { CorpusManifest } from './manifest.js';
import { MANIFEST_FILE } from './manifest.js';

/** One document per file: 2 MB is already a book. A JSON Lines file holds many documents. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_JSONL_BYTES = 512 * 1024 * 1024;

export interface DiscoveredFile {
  relPath: string;
  text: string;
  mtime: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The files a manifest selects, read as UTF-8 text. Symlinks that leave the corpus folder, binary,
 * huge, undecodable and empty files are reported skips, never read into the store.
 */
export async function discoverFiles(sourceDir: string, manifest: CorpusManifest): Promise<{ files: DiscoveredFile[]; skips: Skip[] }> {
  const root = await realpath(sourceDir);
  const include = picomatch(manifest.include, { dot: false });
  const exclude = manifest.exclude.length > 0 ? picomatch(manifest.exclude) : () => false;
  const files: DiscoveredFile[] = [];
  const skips: Skip[] = [];

  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      if (rel === MANIFEST_FILE || !include(rel) || exclude(rel)) continue;
      const stat = await lstat(full);
      let target = full;
      if (stat.isSymbolicLink()) {
        target = await realpath(full).catch(() => '');
        if (!target || (target !== root && !target.startsWith(root + path.sep))) {
          skips.push({ path: rel, reason: 'symlink pointing outside the corpus folder' });
          continue;
        }
      } else if (!stat.isFile()) continue;
      const info = await lstat(target);
      const limit = rel.endsWith('.jsonl') ? MAX_JSONL_BYTES : MAX_FILE_BYTES;
      if (info.size > limit) {
        skips.push({ path: rel, reason: `larger than ${limit / 1024 / 1024} MB` });
        continue;
      }
      const bytes = await readFile(target);
      if (bytes.includes(0)) {
        skips.push({ path: rel, reason: 'binary file (contains NUL bytes)' });
        continue;
      }
      let text: string;
      try {
        text = decoder.decode(bytes).replace(/^\uFEFF/, '');
      } catch {
        skips.push({ path: rel, reason: 'not valid UTF-8' });
        continue;
      }
      if (text.trim() === '') {
        skips.push({ path: rel, reason: 'empty document' });
        continue;
      }
      files.push({ relPath: rel, text, mtime: info.mtime.toISOString() });
    }
  };
  await walk(root);
  return { files, skips };
}
