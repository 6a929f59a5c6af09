import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { inertLine } from '../views/inert.js';
import type { Skip } from './document.js';
import type { CorpusManifest } from './manifest.js';
import { MANIFEST_FILE } from './manifest.js';

/** One document per file: 2 MB is already a book. A JSON Lines file holds many documents. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_JSONL_BYTES = 512 * 1024 * 1024;
/** PDFs, Office files and mail are containers (images, attachments): they get more room. */
export const MAX_BINARY_BYTES = 64 * 1024 * 1024;

/** Formats read as raw bytes by their own parser (src/ingest/parse/), never decoded as UTF-8 here. */
export const BINARY_FORMATS = /\.(pdf|docx|pptx|xlsx|eml|mbox)$/i;

export interface DiscoveredFile {
  relPath: string;
  /** The UTF-8 text; empty for a binary format (see `bytes`). */
  text: string;
  /** The file's bytes, for binary formats (PDF, Office, mail). */
  bytes?: Buffer;
  mtime: string;
  /** Who last changed it, where the source records that (a git commit's author). */
  author?: string;
  /** The version its source gives it (a git blob id, an S3 ETag); none for a folder's file. */
  version?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A name shown byte by byte: printable ASCII as is, every other byte as `\xNN`. */
const escapedBytes = (bytes: Buffer) =>
  [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');

/** A path is safe when no view would have to escape it (see src/views/inert.ts): then it can be an id, a label and a line of a report. */
export const unsafeName = (rel: string) => inertLine(rel) !== rel;

/** Whether a file (by its path inside the source) is one the manifest selects: included, not excluded, not the manifest. */
export function selector(manifest: CorpusManifest): (rel: string) => boolean {
  const include = picomatch(manifest.include, { dot: false });
  const exclude = manifest.exclude.length > 0 ? picomatch(manifest.exclude) : () => false;
  return (rel) => rel !== MANIFEST_FILE && include(rel) && !exclude(rel);
}

/**
 * The files a manifest selects, read as UTF-8 text (binary formats as bytes). A file that cannot be a document is a reported
 * skip naming it (escaped), never an abort of its source: unsafe or undecodable names, symlinks that
 * leave the corpus folder or loop, unreadable, special, binary, huge, undecodable and empty files.
 */
export async function discoverFiles(sourceDir: string, manifest: CorpusManifest): Promise<{ files: DiscoveredFile[]; skips: Skip[] }> {
  const root = await realpath(sourceDir);
  const selected = selector(manifest);
  const files: DiscoveredFile[] = [];
  const skips: Skip[] = [];

  const walk = async (dir: string, relDir: string): Promise<void> => {
    let entries: Dirent<Buffer>[];
    try {
      entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      skips.push({ path: `${relDir || '.'}/`, reason: `folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      return;
    }
    for (const entry of named(entries, relDir, skips)) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const isDir = entry.dirent.isDirectory();
      if (!isDir && !selected(rel)) continue;
      if (unsafeName(rel)) {
        skips.push({ path: inertLine(rel), reason: `unsafe ${isDir ? 'folder ' : ''}name: control, line-break or bidi characters` });
        continue;
      }
      const full = path.join(dir, entry.name);
      if (isDir) {
        await walk(full, rel);
        continue;
      }
      const found = await readCandidate(root, full, rel).catch((err: NodeJS.ErrnoException) => ({ reason: `cannot be read (${err.code ?? err.message})` }));
      if ('reason' in found) skips.push({ path: rel, reason: found.reason });
      else files.push(found);
    }
  };
  await walk(root, '');
  return { files, skips };
}

/** Entries with their names decoded as UTF-8, sorted; a name that does not decode is a skip. */
function named(entries: Dirent<Buffer>[], relDir: string, skips: Skip[]): { name: string; dirent: Dirent<Buffer> }[] {
  const out: { name: string; dirent: Dirent<Buffer> }[] = [];
  for (const dirent of entries) {
    try {
      out.push({ name: decoder.decode(dirent.name), dirent });
    } catch {
      skips.push({ path: `${relDir ? `${relDir}/` : ''}${escapedBytes(dirent.name)}`, reason: 'name is not valid UTF-8' });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** One selected file as a document, or why it is not one. */
async function readCandidate(root: string, full: string, rel: string): Promise<DiscoveredFile | { reason: string }> {
  let target = full;
  if ((await lstat(full)).isSymbolicLink()) {
    const resolved = await realpath(full).catch((err: NodeJS.ErrnoException) => err);
    if (resolved instanceof Error) return { reason: resolved.code === 'ELOOP' ? 'symlink loop' : 'dangling symlink' };
    if (resolved !== root && !resolved.startsWith(root + path.sep)) return { reason: 'symlink pointing outside the corpus folder' };
    target = resolved;
  }
  // Follows nothing further (the target is real): directories, FIFOs and devices are not documents,
  // and reading a FIFO would block the ingest.
  const info = await stat(target);
  if (!info.isFile()) return { reason: 'not a regular file' };
  const limit = sizeLimit(rel);
  if (info.size > limit) return { reason: `larger than ${limit / 1024 / 1024} MB` };
  return fileFromBytes(rel, await readFile(target), info.mtime.toISOString());
}

/** The most bytes one file of this name may have (JSON Lines and containers get more room). */
export const sizeLimit = (rel: string) => (rel.endsWith('.jsonl') ? MAX_JSONL_BYTES : BINARY_FORMATS.test(rel) ? MAX_BINARY_BYTES : MAX_FILE_BYTES);

/** A file's bytes (from a folder, a repository or a bucket) as a document to parse, or why it is not one. */
export function fileFromBytes(rel: string, bytes: Buffer, mtime: string): DiscoveredFile | { reason: string } {
  if (BINARY_FORMATS.test(rel)) return bytes.length === 0 ? { reason: 'empty document' } : { relPath: rel, text: '', bytes, mtime };
  if (bytes.includes(0)) return { reason: 'binary file (contains NUL bytes)' };
  let text: string;
  try {
    text = decoder.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return { reason: 'not valid UTF-8' };
  }
  if (text.trim() === '') return { reason: 'empty document' };
  return { relPath: rel, text, mtime };
}
