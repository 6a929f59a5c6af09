import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientEnv, clientLaunch } from '../../src/admin/connect.js';
import { loadConfig } from '../../src/config/config.js';
import { clientSnippets } from '../../src/cli/commands/task.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'clearance-connect-'));

/** Issue 18: the printed snippets must start the same configuration from any folder. */
describe('client snippets', () => {
  it('carry the config file (absolute) and only what the file alone would not give', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'c.yaml'), 'home: ./state\n');
    const config = loadConfig({ cwd: dir, env: { CLEARANCE_RESOURCE: 'https://kb.example.com/mcp' }, configFile: 'c.yaml' });
    expect(clientEnv(config, path.join(dir, 'c.yaml'), 'T')).toEqual({
      CLEARANCE_TASK_TOKEN: 'T',
      CLEARANCE_CONFIG: path.join(dir, 'c.yaml'),
      CLEARANCE_RESOURCE: 'https://kb.example.com/mcp',
    });
  });

  it('without a config file, carry every location the admin resolved from their folder', () => {
    const cwd = fresh();
    const config = loadConfig({ cwd, env: {} });
    const env = clientEnv(config, undefined, 'T');
    expect(env).toMatchObject({
      CLEARANCE_HOME: path.join(cwd, '.clearance'),
      CLEARANCE_POLICY_DIR: path.join(cwd, 'policy'),
      CLEARANCE_CORPORA_DIR: path.join(cwd, 'corpora'),
    });
    expect(env.CLEARANCE_CONFIG).toBeUndefined();
  });

  it('never print `npx clearance`; start the installed CLI by absolute path in every snippet', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'clearance.config.yaml'), 'httpPort: 9123\n');
    const config = loadConfig({ cwd: dir, env: {} });
    const launch = clientLaunch(config, path.join(dir, 'clearance.config.yaml'), 'TOKEN');
    expect(launch.command).toBe(process.execPath);
    expect(path.isAbsolute(launch.args[0]!)).toBe(true);
    const text = clientSnippets(launch);
    expect(text).not.toMatch(/npx clearance/);
    expect(text).toContain(
      `claude mcp add --transport stdio clearance --env CLEARANCE_TASK_TOKEN=TOKEN --env CLEARANCE_CONFIG=${path.join(dir, 'clearance.config.yaml')} -- `,
    );
    expect(text).toContain("claude mcp add --transport http clearance http://127.0.0.1:9123/mcp --header 'Authorization: Bearer TOKEN'");
    expect(text).toContain(`CLEARANCE_CONFIG=${path.join(dir, 'clearance.config.yaml')} ${process.execPath} ${launch.args[0]} serve --http`);
    expect(text).toContain('"mcp-remote"');
    expect(text).toContain('"AUTH_HEADER": "Bearer TOKEN"');
  });
});
