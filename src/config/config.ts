import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from './errors.js';
import { PACKAGE_ROOT } from './package.js';
import { ExternalIssuerSchema } from './identity-providers.js';
import { QuotasSchema } from './quotas.js';

/**
 * Configuration: defaults < config file < environment < flags (later wins).
 * Relative paths in the config file resolve against the file's folder; in env and flags, against the cwd.
 */

export const HUB_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';

const storageOptions = z.record(z.string(), z.string());

export const ConfigSchema = z
  .object({
    home: z.string().min(1),
    storeUri: z.string().min(1),
    storageOptions: storageOptions.default({}),
    readConsistencySeconds: z.number().min(0).max(3600).default(0),
    policyDir: z.string().min(1),
    corporaDir: z.string().min(1),
    auditDir: z.string().min(1),
    /** Signed audit chain heads and the pinned audit key: keep it off the audit folder's and the store's machine. */
    auditWitnessDir: z.string().min(1).optional(),
    keysDir: z.string().min(1),
    modelDir: z.string().min(1),
    modelDtype: z.enum(['fp32', 'q8']).default('fp32'),
    /** The public URL of the MCP endpoint: the RFC 9728 `resource`, and where its metadata is served. */
    resource: z.url().default('https://clearance.example.internal/mcp'),
    /** The `aud` tokens must carry, when it is not the resource URL (e.g. Entra's `api://…`). Default: `resource`. */
    audience: z.string().min(1).optional(),
    /** Scopes advertised in the protected resource metadata and in every challenge, so standard clients request them. */
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token (RFC 6749 §3.3)')).default(['clearance']),
    issuer: z.string().min(1).default('clearance-local'),
    httpHost: z.string().min(1).default('127.0.0.1'),
    httpPort: z.number().int().min(0).max(65535).default(8765),
    allowedOrigins: z.array(z.string()).default([]),
    externalIssuers: z.array(ExternalIssuerSchema).default([]),
    redactQueries: z.boolean().default(false),
    auditShipSeconds: z.number().min(0).max(3600).default(5),
    /** How long a call may wait for the kill-switch state to be read before it is refused (fail closed). */
    governanceTimeoutSeconds: z.number().min(0.05).max(600).default(10),
    quotas: QuotasSchema.prefault({}),
    replicaId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" only')
      .default('local'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  CLEARANCE_READ_CONSISTENCY_SECONDS: 'readConsistencySeconds',
  CLEARANCE_REDACT_QUERIES: 'redactQueries',
  CLEARANCE_REPLICA_ID: 'replicaId',
  CLEARANCE_AUDIT_SHIP_SECONDS: 'auditShipSeconds',
  CLEARANCE_GOVERNANCE_TIMEOUT_SECONDS: 'governanceTimeoutSeconds',
  CLEARANCE_LOG_LEVEL: 'logLevel',
} as const satisfies Record<string, keyof Config>;

const PATH_KEYS = ['home', 'storeUri', 'policyDir', 'corporaDir', 'auditDir', 'auditWitnessDir', 'keysDir', 'modelDir'] as const;
const NUMBER_KEYS = new Set<keyof Config>(['httpPort', 'readConsistencySeconds', 'auditShipSeconds', 'governanceTimeoutSeconds']);
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

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const fileName = options.configFile ?? env.CLEARANCE_CONFIG;
  let fromFile: ConfigInput = {};
  if (fileName) {
    const file = path.resolve(cwd, fileName);
    if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist. Fix --config / CLEARANCE_CONFIG.`);
    fromFile = readConfigFile(file);
  } else if (existsSync(path.join(cwd, 'clearance.config.yaml'))) {
    fromFile = readConfigFile(path.join(cwd, 'clearance.config.yaml'));
  }
  const fromFlags = resolvePaths(parseInput(options.flags ?? {}, 'command-line flags'), cwd);
  const merged: ConfigInput = { ...fromFile, ...readEnv(env, cwd), ...stripUndefined(fromFlags) };

  const home = merged.home ?? path.resolve(cwd, '.clearance');
  const withDefaults = {
    ...merged,
    home,
    storeUri: merged.storeUri ?? path.join(home, 'store'),
    auditDir: merged.auditDir ?? path.join(home, 'audit'),
    keysDir: merged.keysDir ?? path.join(home, 'keys'),
    policyDir: merged.policyDir ?? path.resolve(cwd, 'policy'),
    corporaDir: merged.corporaDir ?? path.resolve(cwd, 'corpora'),
    modelDir: merged.modelDir ?? defaultModelDir(cwd),
  };
  const parsed = ConfigSchema.safeParse(withDefaults);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, 'configuration'));
  return parsed.data;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
