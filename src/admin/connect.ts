import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ENV_KEYS, loadConfig, type Config } from '../config/config.js';
import { PACKAGE_ROOT } from '../config/package.js';

/**
 * How an MCP client starts this installation's server for one task grant, from any working folder:
 * the absolute Node binary and CLI script (never `npx clearance`, which would fetch whatever the
 * registry serves under that name), the config file (absolute), and every setting that file alone
 * would not give (env or flags used when the grant was minted).
 */
export const ClientLaunchSchema = z.object({
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  /** The Streamable HTTP endpoint `clearance serve --http` listens on with this configuration. */
  url: z.string(),
});
export type ClientLaunch = z.infer<typeof ClientLaunchSchema>;

/** The installed CLI script, from the package's own `bin` entry. */
export function cliScript(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const script = path.join(PACKAGE_ROOT, pkg.bin?.clearance ?? 'dist/src/cli/main.js');
  if (!existsSync(script)) throw new Error(`${script} does not exist: build Clearance first (npm run build) so clients can start it.`);
  return script;
}

/** A folder no real working directory is: what a client's own cwd contributes to the configuration. */
const ELSEWHERE = path.join(path.parse(PACKAGE_ROOT).root, '.clearance-client-cwd-probe');

/** The environment a client needs so its server loads exactly `config`. */
export function clientEnv(config: Config, configFile: string | undefined, token: string): Record<string, string> {
  const env: Record<string, string> = { CLEARANCE_TASK_TOKEN: token };
  if (configFile) env.CLEARANCE_CONFIG = path.resolve(configFile);
  const fromFileAlone = loadConfig({ cwd: ELSEWHERE, env: configFile ? { CLEARANCE_CONFIG: env.CLEARANCE_CONFIG } : {} });
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = config[key];
    if (value !== undefined && value !== fromFileAlone[key]) env[name] = String(value);
  }
  for (const [key, value] of Object.entries(config.storageOptions)) {
    if (fromFileAlone.storageOptions[key] !== value) env[`CLEARANCE_STORAGE_${key.toUpperCase()}`] = value;
  }
  return env;
}

export function clientLaunch(config: Config, configFile: string | undefined, token: string): ClientLaunch {
  return ClientLaunchSchema.parse({
    command: process.execPath,
    args: [cliScript(), 'serve', '--stdio'],
    env: clientEnv(config, configFile, token),
    url: `http://${config.httpHost}:${config.httpPort}${new URL(config.resource).pathname}`,
  });
}
