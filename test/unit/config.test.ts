import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, HUB_MODEL_ID, loadConfig } from '../../src/config/config.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'clearance-config-'));

describe('loadConfig', () => {
  it('derives every location from the home folder by default', () => {
    const cwd = fresh();
    const config = loadConfig({ cwd, env: {} });
    expect(config.home).toBe(path.join(cwd, '.clearance'));
    expect(config.storeUri).toBe(path.join(cwd, '.clearance', 'store'));
    expect(config.auditDir).toBe(path.join(cwd, '.clearance', 'audit'));
    expect(config.policyDir).toBe(path.join(cwd, 'policy'));
    expect(config.modelDtype).toBe('fp32');
    expect(config.httpHost).toBe('127.0.0.1');
  });

  it('applies file < env < flags, resolving file paths against the file', () => {
    const cwd = fresh();
    const dir = path.join(cwd, 'conf');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'c.yaml'), 'home: ./h\npolicyDir: ./p\nhttpPort: 9000\nmodelDtype: q8\n');
    const config = loadConfig({
      cwd,
      configFile: 'conf/c.yaml',
      env: { CLEARANCE_POLICY_DIR: 'envpolicy', CLEARANCE_HTTP_PORT: '9100' },
      flags: { httpPort: 9200 },
    });
    expect(config.home).toBe(path.join(dir, 'h'));
    expect(config.policyDir).toBe(path.join(cwd, 'envpolicy'));
    expect(config.httpPort).toBe(9200);
    expect(config.modelDtype).toBe('q8');
  });

  it('keeps object-store URIs and the hub model id as they are', () => {
    const config = loadConfig({
      cwd: fresh(),
      env: { CLEARANCE_STORE_URI: 's3://bucket/prefix', CLEARANCE_MODEL_DIR: HUB_MODEL_ID, CLEARANCE_STORAGE_ENDPOINT: 'http://127.0.0.1:9000' },
    });
    expect(config.storeUri).toBe('s3://bucket/prefix');
    expect(config.modelDir).toBe(HUB_MODEL_ID);
    expect(config.storageOptions).toEqual({ endpoint: 'http://127.0.0.1:9000' });
  });

  it('names the field and the fix for bad input', () => {
    const cwd = fresh();
    writeFileSync(path.join(cwd, 'clearance.config.yaml'), 'modelDtype: fp16\nhtpPort: 1\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(ConfigError);
    try {
      loadConfig({ cwd, env: {} });
    } catch (err) {
      expect((err as Error).message).toMatch(/modelDtype/);
      expect((err as Error).message).toMatch(/htpPort.*remove it or check its spelling|unrecognized/i);
    }
    expect(() => loadConfig({ cwd: fresh(), env: { CLEARANCE_HTTP_PORT: 'eighty' } })).toThrow(/CLEARANCE_HTTP_PORT/);
    expect(() => loadConfig({ cwd: fresh(), env: {}, configFile: 'missing.yaml' })).toThrow(/does not exist/);
  });
});
