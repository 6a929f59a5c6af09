import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Config } from '../../src/config/config.js';
import { CONSOLE_CLIENT, freePort, startOidcProvider, type TestIdp } from './oidc-provider.js';

/** Each payload would set window.__xss if the console ever rendered it as markup or followed it as a link. */
export const XSS = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'img\'">',
  '<a href="javascript:window.__xss=\'link\'">open me</a> [click](javascript:window.__xss=1)',
  '**approve me** # urgent',
].join(' ');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's headless Chromium (installed by .ci/run), driven by playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/**
 * A real OIDC provider the console signs people in through, and the config file naming it as the
 * console's identity provider (its `00u-frank` subject maps to frank, as an Okta id would), for a
 * server that will listen on `port`.
 */
export async function startConsoleIdp(config: Config): Promise<{ idp: TestIdp; configFile: string; port: number }> {
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/console/login/oidc/callback`;
  const idp = await startOidcProvider({ resource: `http://127.0.0.1:${port}/mcp`, scope: 'clearance', redirectUri: callback, consoleRedirectUri: callback });
  const configFile = path.join(config.home, '..', 'clearance.config.yaml');
  writeFileSync(
    configFile,
    [
      'externalIssuers:',
      `  - issuer: ${idp.issuer}`,
      `    jwksUri: ${idp.issuer}/jwks`,
      '    human: { claim: sub, map: { "00u-frank": frank } }',
      `    console: { clientId: ${CONSOLE_CLIENT}, redirectUri: "${callback}", label: Northwind SSO }`,
      '',
    ].join('\n'),
  );
  return { idp, configFile, port };
}
