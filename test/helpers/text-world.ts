import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadConfig, type Config } from '../../src/config/config.js';
import { REPO } from './world.js';

/**
 * Small generated worlds of real text documents, ingested from real folders with the real model and
 * served under the sample policy. The oracle below says, independently of the product's policy
 * code, which sources and documents each sample human/agent pair may read.
 */
export const VOCABULARY = [
  'checkout',
  'latency',
  'webhook',
  'delivery',
  'refund',
  'merchant',
  'gateway',
  'rollback',
  'config',
  'push',
  'alert',
  'incident',
  'pool',
  'saturation',
  'region',
  'canary',
  'audit',
  'evidence',
  'ledger',
  'invoice',
  'token',
  'rotation',
  'erasure',
  'request',
  'contract',
  'vendor',
  'renewal',
  'dashboard',
  'runbook',
  'pager',
  'escalation',
  'customer',
  'breach',
  'password',
  'policy',
  'review',
  'queue',
  'retry',
  'timeout',
  'index',
];

/** The generated sources: class and ACL as the sample policy knows them. */
export const SOURCES = {
  pub: { cls: 'public', acl: ['*'] },
  eng: { cls: 'internal', acl: ['group:engineering', 'group:sre', 'group:security'] },
  sup: { cls: 'customer', acl: ['group:support'] },
  sec: { cls: 'security', acl: ['group:security'] },
} as const;
export type SourceId = keyof typeof SOURCES;

export interface TextDoc {
  source: SourceId;
  name: string;
  title: string;
  body: string;
  /** Narrowed to SRE by front matter (engineering alone may not read it). */
  sreOnly: boolean;
}

/** Who may read what, written from SCENARIO.md: human ∩ agent workflow (classes) ∩ ACL. */
export const PAIRS = {
  'alice/claude-code': (d: Pick<TextDoc, 'source' | 'sreOnly'>) => d.source === 'pub' || (d.source === 'eng' && !d.sreOnly),
  'gina/claude-code': (d: Pick<TextDoc, 'source' | 'sreOnly'>) => d.source === 'pub',
  'bob/support-assistant': (d: Pick<TextDoc, 'source' | 'sreOnly'>) => d.source === 'pub' || d.source === 'sup',
  'frank/ops-agent': (d: Pick<TextDoc, 'source' | 'sreOnly'>) => d.source === 'pub' || d.source === 'eng',
} as const;
export type Pair = keyof typeof PAIRS;

const words = (min: number, max: number) => fc.array(fc.constantFrom(...VOCABULARY), { minLength: min, maxLength: max }).map((w) => w.join(' '));

export const docArb = (source: SourceId, name: string): fc.Arbitrary<TextDoc> =>
  fc.record({ title: words(2, 4), body: words(12, 60), sreOnly: source === 'eng' ? fc.boolean() : fc.constant(false) }).map((d) => ({ ...d, source, name }));

export const docsArb: fc.Arbitrary<TextDoc[]> = fc
  .tuple(...(Object.keys(SOURCES) as SourceId[]).map((s) => fc.integer({ min: 1, max: 4 }).map((n) => ({ s, n }))))
  .chain((counts) => fc.tuple(...counts.flatMap(({ s, n }) => Array.from({ length: n }, (_, i) => docArb(s, `d${i}.md`)))));

function markdown(doc: TextDoc): string {
  const front = [`title: "${doc.title}"`, 'updated: 2026-11-20', ...(doc.sreOnly ? ['read_acl: [group:sre]'] : [])];
  return `---\n${front.join('\n')}\n---\n# ${doc.title}\n\n${doc.body}\n`;
}

/** A temp Clearance home with the sample policy and exactly these documents as corpora. */
export function textWorld(docs: TextDoc[]): Config {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-text-'));
  cpSync(path.join(REPO, 'policy'), path.join(root, 'policy'), { recursive: true });
  writeDocs(path.join(root, 'corpora'), docs);
  return { ...loadConfig({ cwd: root, env: {} }), logLevel: 'warn' };
}

/** Replaces the corpora folder's contents with `docs` (a source with no documents keeps its manifest). */
export function writeDocs(corporaDir: string, docs: TextDoc[]): void {
  rmSync(corporaDir, { recursive: true, force: true });
  for (const source of Object.keys(SOURCES) as SourceId[]) {
    const dir = path.join(corporaDir, source);
    mkdirSync(dir, { recursive: true });
    const { cls, acl } = SOURCES[source];
    writeFileSync(
      path.join(dir, 'corpus.yaml'),
      `id: ${source}\ntitle: Generated ${source}\ndata_class: ${cls}\nowner: user:alice\nread_acl: ${JSON.stringify(acl)}\nfreshness: { max_age_days: 3650 }\ninclude: ["**/*.md"]\n`,
    );
  }
  for (const doc of docs) writeFileSync(path.join(corporaDir, doc.source, doc.name), markdown(doc));
}
