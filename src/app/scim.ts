import type { Router } from 'express';
import type { AuditLog } from '../audit/log.js';
import { ConfigError } from '../config/config.js';
import { SCIM_TOKEN_MIN } from '../config/scim.js';
import { scimRouter } from '../scim/routes.js';
import { ScimService } from '../scim/service.js';
import type { App } from './app.js';

/**
 * The SCIM endpoint when `scim` is configured (null otherwise): it writes the provisioned directory
 * the live policy merges, records every change in this replica's audit log before answering, and
 * re-reads the directory at once, so this process decides its next call with the change.
 */
export function scimEndpoint(app: App, log: AuditLog, env: NodeJS.ProcessEnv = process.env): Router | null {
  const config = app.config.scim;
  if (!config) return null;
  const token = env[config.tokenEnv];
  if (!token || token.length < SCIM_TOKEN_MIN)
    throw new ConfigError(
      `scim.tokenEnv names ${config.tokenEnv}, which is ${token ? `shorter than ${SCIM_TOKEN_MIN} characters` : 'not set'}; set it to a random token (e.g. \`openssl rand -hex 32\`) or remove scim from the config`,
    );
  const actor = { actor: `scim:${config.client}`, actor_auth: `bearer:${config.tokenEnv}` };
  const service = new ScimService({
    directory: app.livePolicy.directory,
    config,
    record: async (action, target, detail) => void (await log.append({ kind: 'admin', ...actor, action, target, detail })),
    applied: () => app.livePolicy.refresh(Date.now()),
  });
  return scimRouter(service, token);
}
