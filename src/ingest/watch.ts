import path from 'node:path';
import { watch } from 'chokidar';

/** Which sources a burst of file events touched; `all` when a corpus folder itself went away. */
export type ChangedSources = ReadonlySet<string> | 'all';

export interface CorporaWatcher {
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Quiet time after the last event before a batch is applied (an editor's save is several events). */
  debounceMs: number;
  /** Applies one batch; batches never overlap, events arriving meanwhile make the next one. */
  onChange: (sources: ChangedSources) => Promise<void>;
  onError: (err: unknown) => void;
}

/**
 * Watches a corpora folder (every corpus folder below it, recursively) and reports which sources
 * changed, debounced and one batch at a time, starting with a batch of every source. Resolves once
 * the initial scan is done, so no event after that is missed.
 */
export async function watchCorpora(corporaDir: string, options: WatchOptions): Promise<CorporaWatcher> {
  const watcher = watch(corporaDir, { ignoreInitial: true, persistent: true });
  let pending = new Set<string>();
  let all = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const flush = () => {
    const batch: ChangedSources = all ? 'all' : pending;
    pending = new Set();
    all = false;
    running = running.then(() => options.onChange(batch)).catch(options.onError);
  };
  watcher.on('all', (event, file) => {
    const [top, ...rest] = path.relative(corporaDir, file).split(path.sep);
    if (!top || top === '..' || top.startsWith(`..${path.sep}`)) return;
    if (rest.length === 0 && event === 'unlinkDir') all = true;
    else if (rest.length > 0 || event === 'addDir') pending.add(top);
    else return; // a loose file beside the corpus folders is no document
    clearTimeout(timer);
    timer = setTimeout(flush, options.debounceMs);
  });
  watcher.on('error', options.onError);
  await new Promise<void>((resolve) => watcher.once('ready', resolve));
  // The first batch catches up with whatever changed while nobody watched.
  all = true;
  flush();
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
      await running;
    },
  };
}
