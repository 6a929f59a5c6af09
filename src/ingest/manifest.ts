import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../config/errors.js';
import { IdSchema, PrincipalSchema } from '../labels/ids.js';
import { SourceSpecSchema } from './sources/spec.js';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const DateString = z
  .union([z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'use an ISO date like 2027-06-30'), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v.slice(0, 10)));

const Acl = z
  .array(PrincipalSchema)
  .min(1, 'an ACL must name at least one principal ("*" for everyone)')
  .describe('Who may read: "*" (every known human), "user:<id>" or "group:<id>"; each must stand for someone in the policy.');

/** A glob inside the corpus folder: no absolute paths, no `..` segments. */
const SafeGlob = z
  .string()
  .min(1)
  .refine((g) => !path.isAbsolute(g) && !g.split(/[\\/]/).includes('..'), { message: 'globs must stay inside the corpus folder (no "/..." or "..")' });

export const CorpusManifestSchema = z
  .object({
    id: IdSchema.describe('The source id; must equal the folder name.'),
    title: z.string().min(1).describe('Human-readable name shown by `sources` and list_sources.'),
    source: SourceSpecSchema.optional(),
    data_class: IdSchema.describe("The source's data class (an id from policy/classes.yaml)."),
    owner: z
      .string()
      .regex(/^(user|group):[a-z0-9][a-z0-9_.-]{0,63}$/, 'owner must be "user:<id>" or "group:<id>"')
      .describe('Who answers for the source: "user:<id>" or "group:<id>".'),
    read_acl: Acl,
    freshness: z
      .union([z.object({ max_age_days: z.number().int().min(1) }).strict(), z.object({ review_by: DateString }).strict()], {
        error: 'freshness needs exactly one of max_age_days (a number of days) or review_by (a date)',
      })
      .describe(
        'When documents go stale: `{ max_age_days: N }` (since each document was updated) or `{ review_by: YYYY-MM-DD }` (the whole source); stale documents are flagged or excluded per their class.',
      ),
    include: z
      .array(SafeGlob)
      .min(1)
      .default(['**/*.md', '**/*.txt', '**/*.html', '**/*.jsonl', '**/*.pdf', '**/*.docx', '**/*.pptx', '**/*.xlsx', '**/*.csv', '**/*.eml', '**/*.mbox'])
      .describe('Globs (inside the folder) of the files to ingest.'),
    exclude: z.array(SafeGlob).default([]).describe('Globs (inside the folder) left out even if included.'),
    jsonl: z
      .object({
        id_field: z
          .string()
          .min(1)
          .describe('Field holding the record id (a string or number: letters, digits, "_", ".", ":" or "-"); the document id is `<source>/<id>`.'),
        text_field: z.string().min(1).describe('Field holding the text (a non-empty string).'),
        title_field: z.string().min(1).optional().describe('Field holding the title (a string; default: the id).'),
        acl_field: z.string().min(1).optional().describe("Field holding the record's read_acl (a list of principals; may only narrow the source's)."),
        updated_field: z
          .string()
          .min(1)
          .optional()
          .describe("Field holding when the record was last updated (an ISO date string; default: the file's modification time)."),
      })
      .strict()
      .optional()
      .describe('How .jsonl records map to documents (one record per line); required when include matches .jsonl files.'),
    /** CSV rows as records, like `jsonl` (ACL cells list principals separated by ";"); text_field may name several columns. */
    csv: z
      .object({
        id_field: z.string().min(1).describe('Column holding the row id (one document per row); the document id is `<source>/<file>#<id>`.'),
        text_field: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('Column(s) holding the text; several are joined.'),
        title_field: z.string().min(1).optional().describe('Column holding the title (default: the id).'),
        acl_field: z.string().min(1).optional().describe('Column holding the row\'s read_acl: principals separated by ";" (may only narrow the source\'s).'),
        updated_field: z.string().min(1).optional().describe('Column holding when the row was last updated (an ISO date).'),
        delimiter: z.string().length(1).default(',').describe('The field separator (one character).'),
      })
      .strict()
      .optional()
      .describe('How .csv rows map to documents (one row per document, a header row naming the columns).'),
    /**
     * Sensitivity labels documents carry (Microsoft Purview `MSIP_Label_<id>_*` properties), matched by
     * id or name, each mapped to a data class and/or an ACL that may only narrow the source's. A label
     * not listed skips the document (fail closed) unless `unknown: source_labels`.
     */
    sensitivity_labels: z
      .object({
        labels: z
          .array(
            z
              .object({
                id: z
                  .string()
                  .regex(/^[0-9a-fA-F-]{36}$/, 'a label id is a GUID')
                  .optional()
                  .describe('The label id (a GUID), as in MSIP_Label_<id>_*.'),
                name: z.string().min(1).optional().describe('The label name (matched when the id is not given).'),
                data_class: IdSchema.optional().describe('The data class of documents carrying this label (may only narrow).'),
                read_acl: Acl.optional().describe("The read_acl of documents carrying this label (may only narrow the source's)."),
              })
              .strict()
              .refine((l) => l.id ?? l.name, { message: 'a label needs an id or a name' }),
          )
          .default([])
          .describe('Each label Clearance knows, matched by id or name.'),
        unknown: z
          .enum(['skip', 'source_labels'])
          .default('skip')
          .describe("A document whose label is not listed: skip it (fail closed), or give it the source's labels."),
      })
      .strict()
      .optional()
      .describe('Sensitivity labels documents carry (Microsoft Purview MSIP_Label_<id>_* properties), each mapped to a data class and/or a narrower ACL.'),
    overrides: z
      .array(
        z
          .object({
            path: SafeGlob.describe('Glob of the files this override applies to.'),
            read_acl: Acl.optional().describe("A narrower read_acl for those files (a subset of the source's readers)."),
            data_class: IdSchema.optional().describe("A class for those files whose possible readers are a subset of the source class's."),
          })
          .strict(),
      )
      .default([])
      .describe("Per-file labels that only narrow: every override whose path matches applies, in order, then the document's own front matter."),
  })
  .strict();
export type CorpusManifest = z.infer<typeof CorpusManifestSchema>;

export const MANIFEST_FILE = 'corpus.yaml';

export async function loadManifest(sourceDir: string, knownClasses: ReadonlySet<string>): Promise<CorpusManifest> {
  const file = path.join(sourceDir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ManifestError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not valid YAML (${(err as Error).message})`}`);
  }
  const parsed = CorpusManifestSchema.safeParse(raw);
  if (!parsed.success) throw new ManifestError(formatZodError(parsed.error, file));
  const manifest = parsed.data;
  const folder = path.basename(sourceDir);
  if (manifest.id !== folder) throw new ManifestError(`${file}: id "${manifest.id}" must equal the folder name "${folder}"`);
  for (const [field, value] of [
    ['data_class', manifest.data_class],
    ...manifest.overrides.flatMap((o, i) => (o.data_class ? [[`overrides.${i}.data_class`, o.data_class]] : [])),
    ...(manifest.sensitivity_labels?.labels ?? []).flatMap((l, i) => (l.data_class ? [[`sensitivity_labels.labels.${i}.data_class`, l.data_class]] : [])),
  ] as [string, string][]) {
    if (!knownClasses.has(value)) {
      throw new ManifestError(
        `${file}: ${field}: unknown data class "${value}"; use one of ${[...knownClasses].join(', ')} (classes are defined in policy/classes.yaml)`,
      );
    }
  }
  if (manifest.source?.kind !== 'postgres' && manifest.include.some((g) => g.endsWith('.jsonl')) && !manifest.jsonl) {
    throw new ManifestError(`${file}: jsonl: required when include matches .jsonl files (name id_field and text_field)`);
  }
  return manifest;
}

/** What the principal check needs from the policy: the humans an ACL principal stands for. */
export interface PrincipalDirectory {
  membersOf(principal: string): Set<string>;
}

/**
 * ACL principals of a manifest (read_acl and overrides) that stand for nobody in the policy: a
 * misspelt group is accepted by the schema but locks its people out. One problem per principal.
 */
export function unknownPrincipals(manifest: CorpusManifest, directory: PrincipalDirectory): { field: string; principal: string }[] {
  const acls: [string, string[]][] = [
    ['read_acl', manifest.read_acl],
    ...manifest.overrides.flatMap((o, i): [string, string[]][] => (o.read_acl ? [[`overrides.${i}.read_acl`, o.read_acl]] : [])),
  ];
  return acls.flatMap(([field, acl]) => acl.filter((p) => directory.membersOf(p).size === 0).map((principal) => ({ field, principal })));
}

export function unknownPrincipalMessage(file: string, problem: { field: string; principal: string }): string {
  const what = problem.principal.startsWith('group:') ? 'no person in the policy is in this group' : 'the policy does not know this person';
  return `${file}: ${problem.field}: "${problem.principal}" stands for nobody (${what}); check its spelling against the policy's g lines (people.csv)`;
}

/** Fails a manifest whose ACLs name a principal that stands for nobody in the policy. */
export function assertKnownPrincipals(sourceDir: string, manifest: CorpusManifest, directory: PrincipalDirectory): void {
  const file = path.join(sourceDir, MANIFEST_FILE);
  const problems = unknownPrincipals(manifest, directory);
  if (problems.length > 0) throw new ManifestError(problems.map((p) => unknownPrincipalMessage(file, p)).join('\n'));
}
