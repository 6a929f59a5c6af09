import { z } from 'zod';

/** The name of an environment variable that holds a secret (never the secret itself: manifests are committed). */
const EnvName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'name an environment variable (capitals, digits and "_"), not the secret itself')
  .describe('The environment variable holding the secret; the manifest never holds it in clear.');

const Column = z.string().min(1);

/** Passed to the git CLI as an argument: a leading "-" would be read as an option. */
const NotAnOption = z.string().min(1).regex(/^[^-]/, 'must not start with "-"');

export const PostgresSourceSchema = z
  .object({
    kind: z.literal('postgres'),
    connection_env: EnvName.default('DATABASE_URL').describe(
      'The environment variable holding the connection string (`postgres://user:password@host:port/db`); the manifest never holds it.',
    ),
    query: z.string().min(1).describe('A read-only SELECT; each row is one document. Runs in a READ ONLY transaction.'),
    columns: z
      .object({
        id: Column.describe('Column holding the row id; the document id is `<source>/<id>`.'),
        text: Column.describe('Column holding the text.'),
        title: Column.optional().describe('Column holding the title (default: the id).'),
        updated_at: Column.optional().describe('Column holding when the row last changed (a timestamp or ISO date).'),
        read_acl: Column.optional().describe(
          'Column holding the row\'s readers: a text[] of principals or a text of principals separated by ";" or ","; may only narrow the source\'s. A row whose ACL is NULL or empty is skipped (fail closed).',
        ),
      })
      .strict()
      .describe('Which column of each row is what.'),
  })
  .strict();

export const GitSourceSchema = z
  .object({
    kind: z.literal('git'),
    url: NotAnOption.describe('The repository: a local path (relative to the corpus folder) or a URL `git` can fetch (https, ssh, file).'),
    ref: NotAnOption.default('HEAD').describe('The branch, tag or commit whose files are ingested.'),
  })
  .strict();

export const S3SourceSchema = z
  .object({
    kind: z.literal('s3'),
    uri: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,62}(\/.*)?$/, 'use s3://<bucket>/<prefix>')
      .describe('The bucket and prefix: `s3://<bucket>/<prefix>`; keys under it are matched against include/exclude.'),
    storage_options: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        "Object-store options as for the store (endpoint, region, allow_http); default: the store's `storageOptions`. Credentials come from the standard AWS environment variables.",
      ),
  })
  .strict();

export const SourceSpecSchema = z
  .discriminatedUnion('kind', [PostgresSourceSchema, GitSourceSchema, S3SourceSchema])
  .describe(
    'Where the documents come from when not from this folder: `kind: git` (a repository at a ref), `s3` (an object-store prefix) or `postgres` (a query). Labels apply as to files.',
  );
export type SourceSpec = z.infer<typeof SourceSpecSchema>;
export type PostgresSource = z.infer<typeof PostgresSourceSchema>;
export type GitSource = z.infer<typeof GitSourceSchema>;
export type S3Source = z.infer<typeof S3SourceSchema>;
