import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../config/errors.js';
import { IdSchema, PrincipalSchema } from '../labels/ids.js';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const DateString = z
  .union([z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'use an ISO date like 2027-06-30'), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v.slice(0, 10)));

const Acl = z.array(PrincipalSchema).min(1, 'an ACL must name at least one principal ("*" for everyone)');

/** A glob inside the corpus folder: no absolute paths, no `..` segments. */
const SafeGlob = z
  .string()
  .min(1)
  .refine((g) => !path.isAbsolute(g) && !g.split(/[\\/]/).includes('..'), { message: 'globs must stay inside the corpus folder (no "/..." or "..")' });

export const CorpusManifestSchema = z
  .object({
    id: IdSchema,
    title: z.string().min(1),
    data_class: IdSchema,
    owner: z.string().regex(/^(user|group):[a-z0-9][a-z0-9_.-]{0,63}$/, 'owner must be "user:<id>" or "group:<id>"'),
    read_acl: Acl,
    freshness: z.union([z.object({ max_age_days: z.number().int().min(1) }).strict(), z.object({ review_by: DateString }).strict()], {
      error: 'freshness needs exactly one of max_age_days (a number of days) or review_by (a date)',
    }),
    include: z
      .array(SafeGlob)
      .min(1)
      .default(['**/*.md', '**/*.txt', '**/*.html', '**/*.jsonl', '**/*.pdf', '**/*.docx', '**/*.pptx', '**/*.xlsx', '**/*.csv', '**/*.eml', '**/*.mbox']),
    exclude: z.array(SafeGlob).default([]),
    jsonl: z
      .object({
        id_field: z.string().min(1),
        text_field: z.string().min(1),
        title_field: z.string().min(1).optional(),
        acl_field: z.string().min(1).optional(),
        updated_field: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** CSV rows as records, like `jsonl` (ACL cells list principals separated by ";"); text_field may name several columns. */
    csv: z
      .object({
        id_field: z.string().min(1),
        text_field: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
        title_field: z.string().min(1).optional(),
        acl_field: z.string().min(1).optional(),
        updated_field: z.string().min(1).optional(),
        delimiter: z.string().length(1).default(','),
      })
      .strict()
      .optional(),
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
                  .optional(),
                name: z.string().min(1).optional(),
                data_class: IdSchema.optional(),
                read_acl: Acl.optional(),
              })
              .strict()
              .refine((l) => l.id ?? l.name, { message: 'a label needs an id or a name' }),
          )
          .default([]),
        unknown: z.enum(['skip', 'source_labels']).default('skip'),
      })
      .strict()
      .optional(),
    overrides: z.array(z.object({ path: SafeGlob, read_acl: Acl.optional(), data_class: IdSchema.optional() }).strict()).default([]),
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
  if (manifest.include.some((g) => g.endsWith('.jsonl')) && !manifest.jsonl) {
    throw new ManifestError(`${file}: jsonl: required when include matches .jsonl files (name id_field and text_field)`);
  }
  return manifest;
}
