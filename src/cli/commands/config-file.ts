import type { Command } from 'commander';
import { configFilePath } from '../../config/config.js';

/** The config file a command runs with (absolute), if any: --config, else CLEARANCE_CONFIG, else ./clearance.config.yaml. */
export function configFileFrom(command: Command): string | undefined {
  const flags = command.optsWithGlobals<{ config?: string }>();
  return configFilePath(process.cwd(), flags.config ?? (process.env.CLEARANCE_CONFIG || undefined));
}
