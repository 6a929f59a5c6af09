import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileFromBytes, selector, sizeLimit, unsafeName, MAX_JSONL_BYTES } from '../discover.js';
import { inertLine } from '../../views/inert.js';
import type { CorpusManifest } from '../manifest.js';
import type { GitSource } from './spec.js';
import { SourceUnavailable, type PullContext, type Pulled } from './source.js';

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 300_000;

/** git, never prompting for a password (an ingest has no one to answer) and with no user config in the way. */
async function git(args: string[], options: { cwd?: string; binary?: boolean } = {}): Promise<Buffer> {
  const { stdout } = await run('git', args, {
    cwd: options.cwd,
    encoding: 'buffer',
    maxBuffer: MAX_JSONL_BYTES + 1,
    timeout: GIT_TIMEOUT_MS,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' },
  });
  return stdout;
}

/** A URL's password or token never reaches a report. */
const withoutCredentials = (text: string) => text.replace(/\/\/[^@/\s]+@/g, '//***@');

/** A local path (relative to the corpus folder) or a URL git fetches itself (scheme:// or scp-like user@host:path). */
const remoteOf = (dir: string, url: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\s]+@[^/:\s]+:/.test(url) ? url : path.resolve(dir, url));

/** When and by whom each path last changed in the history of `commit` (committer date, author name); newest first wins. */
async function lastChanged(cache: string, commit: string): Promise<Map<string, { date: string; author: string }>> {
  const log = (await git(['log', '-z', '--name-only', '--no-renames', '--format=%x01%cI%x02%an', commit], { cwd: cache })).toString('utf8');
  const changed = new Map<string, { date: string; author: string }>();
  for (const entry of log.split('\x01').slice(1)) {
    const [header, ...names] = entry.split('\0');
    const [date, author] = header!.split('\x02') as [string, string];
    for (const name of names.map((n) => n.replace(/^\n/, '')).filter(Boolean)) if (!changed.has(name)) changed.set(name, { date, author: inertLine(author) });
  }
  return changed;
}

/**
 * The files of a repository at a ref, through the `git` CLI: a bare clone kept in the cache folder is
 * brought up to date by `git fetch` (re-sync fetches only what is new), then the tree at the ref is
 * read. Each file's version is its blob id; its updated-at is the last commit that changed it. A
 * fetch that fails (unreachable, bad credentials, unknown ref) throws: the source keeps its last good version.
 */
export async function pullGit(dir: string, spec: GitSource, manifest: CorpusManifest, context: PullContext): Promise<Pulled> {
  const cache = path.join(context.cacheDir, `${manifest.id}.git`);
  let commit: string;
  try {
    if (!(await stat(path.join(cache, 'HEAD')).catch(() => null))) {
      await mkdir(cache, { recursive: true });
      await git(['init', '--bare', '--quiet', cache]);
    }
    await git(['fetch', '--no-tags', '--force', '--quiet', '--', remoteOf(dir, spec.url), spec.ref], { cwd: cache });
    commit = (await git(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'], { cwd: cache })).toString('utf8').trim();
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString('utf8').trim().split('\n').pop() || (err as Error).message;
    throw new SourceUnavailable(`git ${withoutCredentials(spec.url)} (ref ${spec.ref}): ${withoutCredentials(inertLine(detail))}`);
  }
  const changed = await lastChanged(cache, commit);
  const selected = selector(manifest);
  const pulled: Pulled = { files: [], docs: [], skips: [] };
  const tree = (await git(['ls-tree', '-r', '-l', '-z', '--full-tree', commit], { cwd: cache })).toString('utf8');
  for (const entry of tree.split('\0').filter(Boolean)) {
    const match = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(entry);
    if (!match) continue;
    const [, mode, type, blob, size, rel] = match as unknown as [string, string, string, string, string, string];
    if (!selected(rel)) continue;
    if (unsafeName(rel)) pulled.skips.push({ path: inertLine(rel), reason: 'unsafe name: control, line-break or bidi characters' });
    else if (type !== 'blob' || mode === '120000')
      pulled.skips.push({ path: rel, reason: type === 'commit' ? 'a submodule (not followed)' : 'a symlink (not followed)' });
    else if (Number(size) > sizeLimit(rel)) pulled.skips.push({ path: rel, reason: `larger than ${sizeLimit(rel) / 1024 / 1024} MB` });
    else {
      const history = changed.get(rel);
      const file = fileFromBytes(rel, await git(['cat-file', 'blob', blob], { cwd: cache }), history?.date ?? new Date(0).toISOString());
      if ('reason' in file) pulled.skips.push({ path: rel, reason: file.reason });
      else pulled.files.push({ ...file, version: blob, author: history?.author });
    }
  }
  return pulled;
}
