import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerConsole } from './console.js';
import { registerDoctor } from './doctor.js';
import { registerGovernance } from './governance.js';
import { registerInit } from './init.js';
import { registerIngest } from './ingest.js';
import { registerLogin } from './login.js';
import { registerInspect } from './inspect.js';
import { registerPolicy } from './policy.js';
import { registerRuns } from './runs.js';
import { registerServe } from './serve.js';
import { registerSources } from './sources.js';
import { registerTask } from './task.js';

/** Every CLI subcommand registers itself here; one file per command (group) in this folder. */
export const commands: Array<(program: Command) => void> = [
  registerInit,
  registerDoctor,
  registerIngest,
  registerTask,
  registerServe,
  registerGovernance,
  registerLogin,
  registerAudit,
  registerRuns,
  registerInspect,
  registerSources,
  registerPolicy,
  registerConsole,
];
