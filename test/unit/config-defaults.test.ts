import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFilePath, loadConfig } from '../../src/config/config.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'clearance-config-defaults-'));

/** Issue 18: a config file without `home:` must not pick up the current folder's .clearance. */
describe('locations set nowhere default next to the config file', () => {
  it('home, store, audit, keys, policy and corpora sit beside a config file that does not name them', () => {
    const cwd = fresh();
    const dir = path.join(fresh(), 'org');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'clearance.config.yaml'), 'httpPort: 9001\n');
    const config = loadConfig({ cwd, env: {}, configFile: path.join(dir, 'clearance.config.yaml') });
    expect(config.home).toBe(path.join(dir, '.clearance'));
    expect(config.storeUri).toBe(path.join(dir, '.clearance', 'store'));
    expect(config.auditDir).toBe(path.join(dir, '.clearance', 'audit'));
    expect(config.keysDir).toBe(path.join(dir, '.clearance', 'keys'));
    expect(config.policyDir).toBe(path.join(dir, 'policy'));
    expect(config.corporaDir).toBe(path.join(dir, 'corpora'));
    expect(config.home.startsWith(cwd)).toBe(false);
  });

  it('relative paths in the file, home included, resolve against its folder; CLEARANCE_CONFIG works like --config', () => {
    const cwd = fresh();
    const dir = path.join(fresh(), 'conf');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'c.yaml'), 'home: ./state\ncorporaDir: ../docs\n');
    const config = loadConfig({ cwd, env: { CLEARANCE_CONFIG: path.join(dir, 'c.yaml') } });
    expect(config.home).toBe(path.join(dir, 'state'));
    expect(config.storeUri).toBe(path.join(dir, 'state', 'store'));
    expect(config.corporaDir).toBe(path.join(path.dirname(dir), 'docs'));
    expect(config.policyDir).toBe(path.join(dir, 'policy'));
  });

  it('without a config file the cwd is the base, and env or flags still win over the file', () => {
    const cwd = fresh();
    expect(loadConfig({ cwd, env: {} }).home).toBe(path.join(cwd, '.clearance'));
    expect(configFilePath(cwd, undefined)).toBeUndefined();
    writeFileSync(path.join(cwd, 'clearance.config.yaml'), 'home: ./h\n');
    expect(configFilePath(cwd, undefined)).toBe(path.join(cwd, 'clearance.config.yaml'));
    expect(loadConfig({ cwd, env: { CLEARANCE_HOME: 'envhome' } }).home).toBe(path.join(cwd, 'envhome'));
  });
});
