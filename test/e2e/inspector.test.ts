import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { cliEnv, runCli } from '../helpers/cli.js';
import { REPO, tempWorld } from '../helpers/world.js';

let config: Config;
beforeAll(async () => {
  config = tempWorld();
  expect((await runCli(config, ['ingest'])).status).toBe(0);
});

describe('the official MCP inspector (CLI mode) against Clearance', () => {
  it('lists tools and calls search over stdio, and session_info over HTTP (scripts/inspector-check.sh)', () => {
    const r = spawnSync('bash', [path.join(REPO, 'scripts/inspector-check.sh')], { env: cliEnv(config), encoding: 'utf8', timeout: 900_000 });
    expect(r.stdout).toContain('inspector check passed');
    expect(r.stdout).toMatch(/search fetch list_sources request_access session_info check_release/);
    expect(r.stdout).toMatch(/alice via claude-code run run_/);
    expect(r.status).toBe(0);
  });
});
