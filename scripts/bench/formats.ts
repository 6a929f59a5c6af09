import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultModelDir } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Embedder } from '../../src/embed/embedder.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { makeDocx, makeEml, makeMbox, makePdf, makePptx, makeXlsx } from '../../test/helpers/formats.js';
import { chunkTexts, ingestInto, rawEmbedRate } from './ingest-run.js';
import { report, round, type Row } from './report.js';

// Ingest throughput per file format: the same kind of text in every format, so the differences are the
// parsers and the document shapes they produce (a PDF page, a slide, a sheet row, a mail message each a document).

const TEAMS = ['The platform team', 'Finance operations', 'The on-call SRE', 'Vendor management', 'The security review board', 'Customer support'];
const ACTS = ['reviewed', 'postponed', 'approved', 'escalated', 'rewrote', 'audited', 'measured', 'signed off'];
const THINGS = [
  'the quarterly capacity forecast',
  'the database failover runbook',
  'the invoice reconciliation process',
  'the certificate rotation schedule',
  'the onboarding checklist for contractors',
  'the incident postmortem template',
  'the backup retention policy',
  'the load balancer migration plan',
];
const WHY = [
  'because the last drill exposed a gap in paging',
  'after two customers reported slow exports',
  'so that the audit in March finds nothing open',
  'while the storage cluster is being expanded',
  'before the holiday change freeze begins',
  'since the vendor contract renews next month',
  'to cut the time a new hire waits for access',
];

/** A paragraph of four varied sentences; `seed` picks them, so every file differs from its neighbours. */
function paragraph(seed: number): string {
  const pick = <T>(list: T[], i: number) => list[(seed * 7 + i * 13) % list.length]!;
  return [0, 1, 2, 3].map((i) => `${pick(TEAMS, i)} ${pick(ACTS, i + seed)} ${pick(THINGS, i * 3 + seed)} ${pick(WHY, i * 5 + seed)}.`).join(' ');
}

/** Wraps a paragraph into lines a PDF page can hold. */
const lines = (text: string) => text.match(/.{1,85}(\s|$)/g)!.map((l) => l.trim());

type Maker = (i: number, p: (k: number) => string) => Promise<Buffer | string>;

/** Per format: the file extension, extra manifest lines, and a maker of one file with a few paragraphs. */
const FORMATS: Record<string, { ext: string; manifest?: string; make: Maker }> = {
  markdown: { ext: 'md', make: async (i, p) => `# Status note ${i}\n\n${p(0)}\n\n## Follow-up\n\n${p(1)}\n\n${p(2)}\n` },
  pdf: { ext: 'pdf', make: (i, p) => makePdf([[`Status note ${i}`, ...lines(p(0)), ...lines(p(1))], lines(p(2))], `Status note ${i}`) },
  docx: { ext: 'docx', make: (i, p) => makeDocx(`Status note ${i}`, [p(0), p(1), p(2)]) },
  pptx: {
    ext: 'pptx',
    make: (i, p) => makePptx([0, 1, 2].map((k) => ({ title: `Status ${i}, part ${k + 1}`, body: p(k) }))),
  },
  xlsx: {
    ext: 'xlsx',
    make: (i, p) => makeXlsx([{ name: 'Notes', rows: [['topic', 'note'], ...[0, 1, 2].map((k) => [`item ${i}.${k}`, p(k)])] }]),
  },
  csv: {
    ext: 'csv',
    manifest: 'csv: { id_field: id, text_field: [subject, body], title_field: subject }\n',
    make: async (i, p) => `id,subject,body\n${[0, 1, 2].map((k) => `T-${i}-${k},Ticket ${i}.${k},"${p(k)}"`).join('\n')}\n`,
  },
  eml: {
    ext: 'eml',
    make: (i, p) => makeEml({ from: 'alice@northwind.example', to: 'eng@northwind.example', subject: `Status note ${i}`, text: [0, 1, 2].map(p).join('\n\n') }),
  },
  mbox: {
    ext: 'mbox',
    make: (i, p) =>
      makeMbox([0, 1, 2].map((k) => ({ from: 'bob@northwind.example', to: 'eng@northwind.example', subject: `Thread ${i}, message ${k + 1}`, text: p(k) }))),
  },
};

export const FORMAT_NAMES = Object.keys(FORMATS);

/** `<corporaDir>/<format>/` with a manifest and `files` files of the format, numbered from `first`. */
export async function writeFormatFiles(corporaDir: string, format: string, files: number, first = 0): Promise<void> {
  const { ext, manifest, make } = FORMATS[format]!;
  const dir = path.join(corporaDir, format);
  mkdirSync(dir, { recursive: true });
  const head = `id: ${format}\ntitle: ${format} bench\ndata_class: internal\nowner: group:engineering\nread_acl: [group:engineering]\n`;
  writeFileSync(path.join(dir, 'corpus.yaml'), `${head}freshness: { max_age_days: 3650 }\ninclude: ["**/*.${ext}"]\n${manifest ?? ''}`);
  for (let i = first; i < first + files; i++) writeFileSync(path.join(dir, `note-${i}.${ext}`), await make(i, (k) => paragraph(i * 3 + k)));
}

/** A fresh root whose `corpora/<format>/` holds `files` files of the format. */
async function writeFormatSource(format: string, files: number): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), `clearance-bench-${format}-`));
  await writeFormatFiles(path.join(root, 'corpora'), format, files);
  return root;
}

export async function runFormatsBench(opts: { quick: boolean; files?: number }): Promise<Row[]> {
  const files = opts.files ?? (opts.quick ? 10 : 100);
  const policy = await PolicyEngine.load(path.join(PACKAGE_ROOT, 'policy'));
  const embedder = await Embedder.load(defaultModelDir(PACKAGE_ROOT));
  await embedder.embed([paragraph(0)]); // warm-up, so the first format does not pay the session start
  const rows: Row[] = [];
  try {
    for (const format of Object.keys(FORMATS)) {
      const root = await writeFormatSource(format, files);
      const { texts, parseMs } = await chunkTexts(path.join(root, 'corpora'), embedder, policy);
      const rawBefore = await rawEmbedRate(embedder, texts);
      const result = await ingestInto(root, embedder, policy);
      // The faster of a raw run before and after ingest: on a busy machine one run alone is noise, and the ceiling is the fair baseline.
      const raw = Math.max(rawBefore, await rawEmbedRate(embedder, texts));
      const source = result.sources[0]!;
      if (source.error || source.skipped.length > 0) throw new Error(`${format}: ${source.error ?? JSON.stringify(source.skipped)}`);
      const ingestRate = result.chunksWritten / result.seconds;
      rows.push({
        format,
        files,
        documents: result.docsEmbedded,
        chunks: result.chunksWritten,
        'docs/s': round(result.docsEmbedded / result.seconds, 1),
        'chunks/s (ingest)': round(ingestRate, 1),
        'chunks/s (raw embed)': round(raw, 1),
        'ingest / raw': round(ingestRate / raw),
        'parse ms/file': round(parseMs / files, 1),
      });
      rmSync(root, { recursive: true, force: true });
    }
  } finally {
    await embedder.dispose();
  }
  report('formats', 'Ingest throughput per file format vs raw embedding (same chunk texts, same run)', rows, [
    `${files} generated files per format, each a few paragraphs; each format in its own source folder and store, fp32.`,
    'raw embed: the faster of two runs (before and after ingest), batches of 16 sorted by length.',
    'parse ms/file: the real parsers alone (parseSource), measured while collecting the raw-embedding texts.',
  ]);
  return rows;
}
