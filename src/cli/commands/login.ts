import type { Command } from 'commander';
import { IDP_TOKEN_ENV, signedInHuman } from '../../admin/sign-in.js';
import { withApp } from '../../app/app.js';
import { findIssuer } from '../../config/identity-providers.js';
import { deviceLogin } from '../../identity/device-login.js';
import { inertLine } from '../../views/inert.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';

/** Prints the token rather than storing it: the shell holds it for as long as the person wants, nothing lands on disk. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description(`approvers and admins: sign in through the IdP (device code) and print the access token for ${IDP_TOKEN_ENV}`)
    .requiredOption('--issuer <name>', 'a configured externalIssuers entry, by name or issuer URL')
    .option('--json', 'print the signed-in human, how they signed in and the access token as JSON')
    .action(async (opts: { issuer: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const settings = findIssuer(config.externalIssuers, opts.issuer);
      if (!settings) {
        const known = config.externalIssuers.map((i) => i.name ?? i.issuer).join(', ') || 'none';
        throw new Error(`--issuer ${opts.issuer}: not a configured issuer (configured: ${known}). Use one of them, or add it to externalIssuers`);
      }
      const token = await deviceLogin(settings, (prompt) => {
        // The IdP's text goes to a person's terminal: inert.
        process.stderr.write(
          `To sign in, open ${inertLine(prompt.verification_uri)} and enter the code ${inertLine(prompt.user_code)}\n` +
            (prompt.verification_uri_complete ? `  (or open ${inertLine(prompt.verification_uri_complete)})\n` : ''),
        );
      });
      // Checked before it is handed out: the token verifies here and names a person the policy knows.
      const actor = await withApp(config, (app) => signedInHuman(app, token));
      process.stderr.write(`Signed in as ${actor.human} (${inertLine(actor.auth)}); the access token is on stdout, for ${IDP_TOKEN_ENV}.\n`);
      if (opts.json) return printJson({ human: actor.human, auth: actor.auth, accessToken: token });
      process.stdout.write(`${token}\n`);
    });
}
