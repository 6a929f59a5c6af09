import { z } from 'zod';
import { HumanMappingSchema } from './identity-providers.js';

/**
 * SCIM 2.0 provisioning (RFC 7643/7644) at `/scim/v2` of `serve --http`: off unless configured. The
 * bearer token is never in the config file, only the name of the environment variable holding it.
 */
export const ScimConfigSchema = z
  .object({
    tokenEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, e.g. CLEARANCE_SCIM_TOKEN')
      .describe('The environment variable holding the bearer token SCIM clients send (at least 32 characters, e.g. `openssl rand -hex 32`).'),
    humanFrom: z
      .enum(['userName', 'externalId'])
      .default('userName')
      .describe('The SCIM User attribute that names the policy human (after the normalisation below it must be a policy id).'),
    human: HumanMappingSchema.omit({ claim: true })
      .prefault({})
      .describe('How that attribute becomes a policy id: lower-casing, domains to strip, explicit map (as for identity-provider tokens).'),
    client: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" only')
      .default('idp')
      .describe('Names the SCIM client in the audit record of every change (actor `scim:<client>`).'),
  })
  .strict();
export type ScimConfig = z.infer<typeof ScimConfigSchema>;

/** The shortest bearer token the SCIM endpoint accepts: a guessable token would let anyone provision people. */
export const SCIM_TOKEN_MIN = 32;
