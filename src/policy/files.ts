import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../config/errors.js';
import { IdSchema } from '../labels/ids.js';
import { DEFAULT_SECRETS_MODE, SecretsModeSchema } from '../labels/secrets.js';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Where a policy rule came from, so a decision can name the line that made it. */
export const RuleLocationSchema = z.object({ file: z.string(), line: z.number().int(), text: z.string() });
export type RuleLocation = z.infer<typeof RuleLocationSchema>;

export const ACTS = ['read', 'read_with_approval', 'approve', 'use', 'call'] as const;

export const ClassInfoSchema = z
  .object({
    id: IdSchema.describe('The class id used in manifests, front matter and policy lines (class:<id>).'),
    rank: z.number().int().min(0).describe('Sensitivity order, 0 = least sensitive. For people only: decisions never compare ranks (each class lists its own readers).'),
    description: z.string().min(1).describe('What belongs in the class.'),
    stale: z.enum(['flag', 'exclude']).default('flag').describe('What search does with documents past their freshness: flag them, or exclude them.'),
    /** What ingest does with a secret or card number found in a document of this class. */
    secrets: SecretsModeSchema.default(DEFAULT_SECRETS_MODE).describe(
      'What ingest does with a secret or card number in a document of this class: redact it, flag it (keep and report) or refuse the document.',
    ),
  })
  .strict();
export type ClassInfo = z.infer<typeof ClassInfoSchema>;

export const ClassesFileSchema = z.object({ classes: z.array(ClassInfoSchema).min(1).describe('The data-class catalogue.') }).strict();

export const ServerFactsSchema = z
  .object({
    server_name: z.string().min(1).describe('Name on the server review card (`clearance card`).'),
    business_purpose: z.string().min(1).describe('Why the server exists.'),
    human_owner: z.string().min(1).describe('Who answers for the server (e.g. user:<id>).'),
    kill_switch_owner: z.string().min(1).describe('Who pulls the kill switch (e.g. user:<id>).'),
    auditors: z
      .array(z.string().min(1))
      .default([])
      .describe('Who reads runs, packets and who-read in the web console (user:<id> or group:<id>); the human owner always may.'),
    retention: z.string().regex(/^\d+[dhm]$/, 'use a duration like 400d').describe('How long audit records are kept: a duration like 400d.'),
    last_review: z
      .union([z.string(), z.date()])
      .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
      .describe('Date of the last review (YYYY-MM-DD).'),
    review_interval_days: z.number().int().min(1).describe('Days between reviews; the card flags an overdue review.'),
    forbidden: z.array(z.string()).default([]).describe('What the server must never be used for, listed on the card.'),
  })
  .strict();
export type ServerFacts = z.infer<typeof ServerFactsSchema>;

export interface PolicyRule {
  ptype: 'p' | 'g';
  values: string[];
  at: RuleLocation;
}

export interface PolicyFiles {
  model: string;
  rules: PolicyRule[];
  classes: ClassInfo[];
  server: ServerFacts;
  version: string;
  /** The files as read: what a published version stores. */
  texts: PolicyTexts;
}

export const SUBJECT = /^(user|group|agent):[a-z0-9*][a-z0-9_.*-]{0,63}$/;
export const OBJECT = /^(class|source|method):[a-z0-9_*][a-z0-9_.*-]{0,63}$/;

function parseCsvLine(file: string, lineNo: number, raw: string): PolicyRule {
  const values = raw.split(',').map((v) => v.trim());
  const at = { file, line: lineNo, text: raw.trim() };
  const fail = (why: string): never => {
    throw new PolicyError(`${file}:${lineNo}: ${why}\n  ${raw.trim()}`);
  };
  const [ptype, ...rest] = values;
  if (ptype === 'g') {
    if (rest.length !== 2) fail('a membership line is `g, user:<id>, group:<id>`');
    if (!/^user:|^group:/.test(rest[0]!) || !rest[1]!.startsWith('group:')) fail('memberships put a user (or group) into a group: `g, user:<id>, group:<id>`');
    if (!SUBJECT.test(rest[0]!) || !SUBJECT.test(rest[1]!)) fail('ids use lower-case letters, digits, "_", "." or "-"');
    return { ptype: 'g', values: rest, at };
  }
  if (ptype === 'p') {
    if (rest.length !== 4) fail('a rule is `p, <subject>, <object>, <act>, allow|deny`');
    const [sub, obj, act, eft] = rest as [string, string, string, string];
    if (!SUBJECT.test(sub)) fail(`subject "${sub}" must be user:<id>, group:<id> or agent:<id>`);
    if (!OBJECT.test(obj)) fail(`object "${obj}" must be class:<id>, source:<id> or method:<name>`);
    if (!(ACTS as readonly string[]).includes(act)) fail(`act "${act}" is not one of ${ACTS.join(', ')}`);
    if (eft !== 'allow' && eft !== 'deny') fail(`effect "${eft}" must be allow or deny`);
    return { ptype: 'p', values: rest, at };
  }
  return fail('a line starts with `p` (a rule) or `g` (a membership); comments start with #');
}

function parseYamlText<T>(file: string, text: string | undefined, schema: z.ZodType<T>): T {
  if (text === undefined) throw new PolicyError(`${file}: missing; the policy folder needs it`);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new PolicyError(formatZodError(parsed.error, file));
  return parsed.data;
}

/** The policy as text: file name → content, for every model.conf, *.csv and *.yaml of the folder. */
export type PolicyTexts = Record<string, string>;

const POLICY_FILE = /\.(csv|conf|ya?ml)$/;

/** Reads a policy folder's files as text (nothing is parsed yet). */
export async function readPolicyFolder(policyDir: string): Promise<PolicyTexts> {
  let names: string[];
  try {
    names = (await readdir(policyDir)).sort();
  } catch {
    throw new PolicyError(`policy folder ${policyDir} cannot be read. Set CLEARANCE_POLICY_DIR (or --policy-dir) to the folder with model.conf.`);
  }
  const texts: PolicyTexts = {};
  for (const name of names.filter((n) => POLICY_FILE.test(n))) texts[name] = await readFile(path.join(policyDir, name), 'utf8');
  return texts;
}

/** The content hash of a policy: the same files give the same version, wherever they are read from. */
export function policyVersion(texts: PolicyTexts): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(texts).sort()) hash.update(`${name}\0${texts[name]}\0`);
  return hash.digest('hex').slice(0, 16);
}

/** Parses model.conf, every *.csv, classes.yaml and server.yaml; `where` names the folder (or store version) in errors and rule locations. */
export function parsePolicyTexts(where: string, texts: PolicyTexts): PolicyFiles {
  const model = texts['model.conf'];
  if (model === undefined) throw new PolicyError(`${path.join(where, 'model.conf')}: missing. Every policy folder needs the Casbin model.`);
  const rules: PolicyRule[] = [];
  for (const name of Object.keys(texts).sort()) {
    if (!name.endsWith('.csv')) continue;
    const file = path.join(where, name);
    texts[name]!.split(/\r?\n/).forEach((raw, index) => {
      if (raw.trim() === '' || raw.trim().startsWith('#')) return;
      rules.push(parseCsvLine(file, index + 1, raw));
    });
  }
  const { classes } = parseYamlText(path.join(where, 'classes.yaml'), texts['classes.yaml'], ClassesFileSchema);
  const server = parseYamlText(path.join(where, 'server.yaml'), texts['server.yaml'], ServerFactsSchema);
  return { model, rules, classes, server, version: policyVersion(texts), texts };
}

/** Reads and parses a policy folder. */
export async function readPolicyFiles(policyDir: string): Promise<PolicyFiles> {
  return parsePolicyTexts(policyDir, await readPolicyFolder(policyDir));
}
