import { discoverFiles } from '../discover.js';
import type { CorpusManifest } from '../manifest.js';
import type { Pulled } from './source.js';

/** The corpus folder itself: the files its manifest selects. */
export async function pullFolder(dir: string, manifest: CorpusManifest): Promise<Pulled> {
  const { files, skips } = await discoverFiles(dir, manifest);
  return { files, docs: [], skips };
}
