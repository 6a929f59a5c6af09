import type { Command } from 'commander';
import { loadConfig, type Config, type ConfigInput } from '../config/config.js';

/** Global flags every command accepts; they override env and the config file. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--config <file>', 'config file (YAML); default ./clearance.config.yaml if present (env CLEARANCE_CONFIG)')
    .option('--home <dir>', 'Clearance home folder (env CLEARANCE_HOME; default ./.clearance)')
    .option('--store-uri <uri>', 'LanceDB store URI: a folder or s3://bucket/prefix (env CLEARANCE_STORE_URI)')
    .option('--policy-dir <dir>', 'policy folder (env CLEARANCE_POLICY_DIR; default ./policy)')
    .option('--corpora-dir <dir>', 'corpora folder (env CLEARANCE_CORPORA_DIR; default ./corpora)')
    .option('--model-dir <dir>', 'embedding model folder (env CLEARANCE_MODEL_DIR)')
    .option('--model-dtype <dtype>', 'fp32 (default) or q8 (faster ingest; never mixed in one store)')
    .option('--audit-dir <dir>', 'audit log folder (env CLEARANCE_AUDIT_DIR; default <home>/audit)');
}

interface GlobalFlags {
  config?: string;
  home?: string;
  storeUri?: string;
  policyDir?: string;
  corporaDir?: string;
  modelDir?: string;
  modelDtype?: string;
  auditDir?: string;
}

/** Resolves the configuration for a command from its global flags. */
export function configFrom(command: Command): Config {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const input: Record<string, unknown> = {
    home: flags.home,
    storeUri: flags.storeUri,
    policyDir: flags.policyDir,
    corporaDir: flags.corporaDir,
    modelDir: flags.modelDir,
    modelDtype: flags.modelDtype,
    auditDir: flags.auditDir,
  };
  return loadConfig({ configFile: flags.config, flags: input as ConfigInput });
}
