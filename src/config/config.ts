import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from './errors.js';
import { PACKAGE_ROOT } from './package.js';
import { ExternalIssuerSchema } from './identity-providers.js';
import { QuotasSchema } from './quotas.js';
import { ScimConfigSchema } from './scim.js';

/**
 * Configuration: defaults < config file < environment < flags (later wins).
 * Relative paths in the config file resolve against the file's folder; in env and flags, against the cwd.
 * Locations set nowhere default next to the config file in use (`<its folder>/.clearance`, `policy`,
 * `corpora`), or next to the cwd when there is no config file.
 */

export const HUB_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';

const storageOptions = z.record(z.string(), z.string());

export const ConfigSchema = z
  .object({
    home: z
      .string()
      .min(1)
      .describe(
        "Clearance's own state: store, audit log and keys live here unless set apart. Default: `.clearance` next to the config file (next to the cwd without one).",
      ),
    storeUri: z.string().min(1).describe('LanceDB store: a folder, or an object-store URI (s3://bucket/prefix, gs://, az://). Default: `<home>/store`.'),
    storageOptions: storageOptions.default({}).describe('Object-store options passed to LanceDB (e.g. endpoint, region); env CLEARANCE_STORAGE_<NAME>.'),
    readConsistencySeconds: z.number().min(0).max(3600).default(0).describe('How stale a read of the store may be, in seconds (0: always the latest version).'),
    policyDir: z.string().min(1).describe('Policy folder: model.conf, *.csv, classes.yaml, server.yaml. Default: `policy` next to the config file.'),
    corporaDir: z.string().min(1).describe('Corpora folder: one sub-folder per source, each with a corpus.yaml. Default: `corpora` next to the config file.'),
    auditDir: z.string().min(1).describe("This replica's append-only audit log. Default: `<home>/audit`."),
    /** Signed audit chain heads and the pinned audit key: keep it off the audit folder's and the store's machine. */
    auditWitnessDir: z
      .string()
      .min(1)
      .optional()
      .describe("Signed audit chain heads and the pinned audit key; keep it off the audit folder's and the store's machine. Default: none."),
    keysDir: z.string().min(1).describe('The task-grant signing key and published keys. Default: `<home>/keys`.'),
    modelDir: z
      .string()
      .min(1)
      .describe(
        `The all-MiniLM-L6-v2 model folder, or "${HUB_MODEL_ID}" to download it. Default: ../shared/models/all-MiniLM-L6-v2 if present, else the hub id.`,
      ),
    modelDtype: z.enum(['fp32', 'q8']).default('fp32').describe('Model weights: fp32, or q8 (faster ingest). A store is never mixed.'),
    resource: z
      .url()
      .default('https://clearance.example.internal/mcp')
      .describe('The public URL of the MCP endpoint: the RFC 9728 `resource`, where its metadata is served; its path is the HTTP endpoint.'),
    audience: z
      .string()
      .min(1)
      .optional()
      .describe("The `aud` tokens must carry, when it is not the resource URL (e.g. Entra's `api://…`). Default: `resource`."),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token (RFC 6749 §3.3)'))
      .default(['clearance'])
      .describe('Scopes advertised in the protected resource metadata and in every challenge, so standard clients request them.'),
    issuer: z.string().min(1).default('clearance-local').describe('The issuer named in the task grants this server mints.'),
    httpHost: z.string().min(1).default('127.0.0.1').describe('Interface `serve --http` listens on.'),
    httpPort: z.number().int().min(0).max(65535).default(8765).describe('Port `serve --http` listens on (0: any free port).'),
    metricsPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .describe('Serve Prometheus `/metrics` on this port of its own (0: any free port), alongside `serve --http`. Default: metrics are off.'),
    metricsHost: z.string().min(1).optional().describe('Interface the metrics port listens on. Default: `httpHost`.'),
    metricsToken: z
      .string()
      .min(16, 'at least 16 characters (e.g. `openssl rand -hex 32`)')
      .optional()
      .describe(
        'Bearer token `/metrics` requires. Without `metricsPort`, metrics are served on the main port behind it; with it, the metrics port requires it too. Prefer env CLEARANCE_METRICS_TOKEN.',
      ),
    allowedOrigins: z
      .array(z.string())
      .default([])
      .describe("Further browser origins allowed to call the HTTP endpoint; the server's own origin and the resource URL's always are."),
    externalIssuers: z
      .array(ExternalIssuerSchema)
      .default([])
      .describe("Identity providers and other issuers whose tokens this server accepts, with each one's claim mapping."),
    scim: ScimConfigSchema.optional().describe('SCIM 2.0 provisioning of people and groups at `/scim/v2` of `serve --http` (docs/scim.md). Default: off.'),
    redactQueries: z.boolean().default(false).describe('Record "[redacted]" instead of the query text in the audit log.'),
    auditShipSeconds: z.number().min(0).max(3600).default(5).describe('How often the local audit log is shipped into the store, in seconds.'),
    compactEveryCommits: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(50)
      .describe(
        'Each serving process compacts the tables it writes on every call or session (received chunks, task registry, its audit segments) after this many of its commits, dropping versions older than 10 minutes.',
      ),
    /** How long a call may wait for the kill-switch state to be read before it is refused (fail closed). */
    governanceTimeoutSeconds: z
      .number()
      .min(0.05)
      .max(600)
      .default(10)
      .describe('How long a call may wait for the kill-switch state before it is refused (fail closed), in seconds.'),
    quotas: QuotasSchema.prefault({}).describe('Limits per server process that keep one task or grant from exhausting the server or the approvers.'),
    replicaId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" only')
      .default('local')
      .describe('Names this server process among replicas over one store (its audit file and records).'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Server log level (logs go to stderr).'),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

/** What a user may set (file, env or flag): everything optional. */
export const ConfigInputSchema = ConfigSchema.partial().strict();
export type ConfigInput = z.infer<typeof ConfigInputSchema>;

/** Environment variables and the config key each one sets. */
export const ENV_KEYS = {
  CLEARANCE_HOME: 'home',
  CLEARANCE_STORE_URI: 'storeUri',
  CLEARANCE_POLICY_DIR: 'policyDir',
  CLEARANCE_CORPORA_DIR: 'corporaDir',
  CLEARANCE_AUDIT_DIR: 'auditDir',
  CLEARANCE_AUDIT_WITNESS_DIR: 'auditWitnessDir',
  CLEARANCE_KEYS_DIR: 'keysDir',
  CLEARANCE_MODEL_DIR: 'modelDir',
  CLEARANCE_MODEL_DTYPE: 'modelDtype',
  CLEARANCE_RESOURCE: 'resource',
  CLEARANCE_ISSUER: 'issuer',
  CLEARANCE_AUDIENCE: 'audience',
  CLEARANCE_HTTP_HOST: 'httpHost',
  CLEARANCE_HTTP_PORT: 'httpPort',
  CLEARANCE_METRICS_PORT: 'metricsPort',
  CLEARANCE_METRICS_HOST: 'metricsHost',
  CLEARANCE_METRICS_TOKEN: 'metricsToken',
  CLEARANCE_READ_CONSISTENCY_SECONDS: 'readConsistencySeconds',
  CLEARANCE_REDACT_QUERIES: 'redactQueries',
  CLEARANCE_REPLICA_ID: 'replicaId',
  CLEARANCE_AUDIT_SHIP_SECONDS: 'auditShipSeconds',
  CLEARANCE_COMPACT_EVERY_COMMITS: 'compactEveryCommits',
  CLEARANCE_GOVERNANCE_TIMEOUT_SECONDS: 'governanceTimeoutSeconds',
  CLEARANCE_LOG_LEVEL: 'logLevel',
} as const satisfies Record<string, keyof Config>;

const PATH_KEYS = ['home', 'storeUri', 'policyDir', 'corporaDir', 'auditDir', 'auditWitnessDir', 'keysDir', 'modelDir'] as const;
const NUMBER_KEYS = new Set<keyof Config>([
  'httpPort',
  'metricsPort',
  'readConsistencySeconds',
  'auditShipSeconds',
  'compactEveryCommits',
  'governanceTimeoutSeconds',
]);
const BOOLEAN_KEYS = new Set<keyof Config>(['redactQueries']);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A store URI with a scheme (s3://, gs://, az://, memory://) is not a local path. */
export function isRemoteUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://');
}

function resolvePaths(input: ConfigInput, base: string): ConfigInput {
  const out: Record<string, unknown> = { ...input };
  for (const key of PATH_KEYS) {
    const value = input[key];
    if (typeof value === 'string' && !isRemoteUri(value) && !(key === 'modelDir' && value === HUB_MODEL_ID)) {
      out[key] = path.resolve(base, value);
    }
  }
  return out as ConfigInput;
}

function parseInput(raw: unknown, where: string): ConfigInput {
  const parsed = ConfigInputSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, where));
  // Keep only what this layer set: zod fills defaults, which must not override a lower layer.
  const given = new Set(Object.keys((raw ?? {}) as object));
  return Object.fromEntries(Object.entries(parsed.data).filter(([key]) => given.has(key))) as ConfigInput;
}

function readConfigFile(file: string): ConfigInput {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML (${(err as Error).message}). Fix the syntax or remove the file.`);
  }
  return resolvePaths(parseInput(raw, file), path.dirname(file));
}

function readEnv(env: NodeJS.ProcessEnv, cwd: string): ConfigInput {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (NUMBER_KEYS.has(key)) {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new ConfigError(`${name}="${value}": must be a number.`);
      raw[key] = n;
    } else if (BOOLEAN_KEYS.has(key)) {
      if (!['true', 'false', '1', '0'].includes(value)) throw new ConfigError(`${name}="${value}": use true or false.`);
      raw[key] = value === 'true' || value === '1';
    } else raw[key] = value;
  }
  const storage = Object.fromEntries(
    Object.entries(env)
      .filter(([k, v]) => k.startsWith('CLEARANCE_STORAGE_') && v)
      .map(([k, v]) => [k.slice('CLEARANCE_STORAGE_'.length).toLowerCase(), v as string]),
  );
  if (Object.keys(storage).length > 0) raw.storageOptions = storage;
  return resolvePaths(parseInput(raw, 'environment (CLEARANCE_*)'), cwd);
}

export function defaultModelDir(cwd: string): string {
  for (const base of [cwd, PACKAGE_ROOT]) {
    const candidate = path.resolve(base, '../shared/models/all-MiniLM-L6-v2');
    if (existsSync(path.join(candidate, 'config.json'))) return candidate;
  }
  return HUB_MODEL_ID;
}

export interface LoadConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Explicit config file (flag --config); else CLEARANCE_CONFIG; else ./clearance.config.yaml if present. */
  configFile?: string;
  flags?: ConfigInput;
}

/** The config file in use (absolute), if any: --config, else CLEARANCE_CONFIG, else ./clearance.config.yaml if present. */
export function configFilePath(cwd: string, fileName: string | undefined): string | undefined {
  if (fileName) {
    const file = path.resolve(cwd, fileName);
    if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist. Fix --config / CLEARANCE_CONFIG.`);
    return file;
  }
  const local = path.join(cwd, 'clearance.config.yaml');
  return existsSync(local) ? local : undefined;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const fileName = options.configFile ?? (env.CLEARANCE_CONFIG || undefined);
  const file = configFilePath(cwd, fileName);
  const fromFile: ConfigInput = file ? readConfigFile(file) : {};
  const fromFlags = resolvePaths(parseInput(options.flags ?? {}, 'command-line flags'), cwd);
  const merged: ConfigInput = { ...fromFile, ...readEnv(env, cwd), ...stripUndefined(fromFlags) };

  // Locations nobody set default next to the config file (never the cwd's, when a file is in use).
  const base = file ? path.dirname(file) : cwd;
  const home = merged.home ?? path.resolve(base, '.clearance');
  const withDefaults = {
    ...merged,
    home,
    storeUri: merged.storeUri ?? path.join(home, 'store'),
    auditDir: merged.auditDir ?? path.join(home, 'audit'),
    keysDir: merged.keysDir ?? path.join(home, 'keys'),
    policyDir: merged.policyDir ?? path.resolve(base, 'policy'),
    corporaDir: merged.corporaDir ?? path.resolve(base, 'corpora'),
    modelDir: merged.modelDir ?? defaultModelDir(base),
  };
  const parsed = ConfigSchema.safeParse(withDefaults);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, 'configuration'));
  return parsed.data;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
