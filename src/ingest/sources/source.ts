import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DiscoveredFile } from '../discover.js';
import type { ParsedDoc, Skip } from '../document.js';
import type { CorpusManifest } from '../manifest.js';
import { pullFolder } from './folder.js';
import { pullGit } from './git.js';
import { pullPostgres } from './postgres.js';
import { pullS3 } from './s3.js';

/**
 * What a source yields before parsing: files (parsed by format, like a folder's) and documents that
 * are already records (PostgreSQL rows), plus what was left out and why. A source that cannot be
 * reached at all throws instead: the ingest then fails that source only and the store keeps its last
 * good version (an empty pull would delete it).
 */
export interface Pulled {
  files: DiscoveredFile[];
  docs: ParsedDoc[];
  skips: Skip[];
}

export interface PullContext {
  /** The store's object-store options: the default for an S3 source. */
  storageOptions: Record<string, string>;
  /** A local folder for git clones kept between ingests (re-sync fetches into them). */
  cacheDir: string;
}

export class SourceUnavailable extends Error {
  override name = 'SourceUnavailable';
}

/** The documents of one source, from wherever its manifest says they are (its folder by default); without a context, git clones go to a temp folder. */
export function pullSource(
  dir: string,
  manifest: CorpusManifest,
  context: PullContext = { storageOptions: {}, cacheDir: path.join(tmpdir(), 'clearance-sources') },
): Promise<Pulled> {
  const spec = manifest.source;
  if (!spec) return pullFolder(dir, manifest);
  if (spec.kind === 'postgres') return pullPostgres(spec, manifest);
  if (spec.kind === 'git') return pullGit(dir, spec, manifest, context);
  return pullS3(spec, manifest, context);
}
