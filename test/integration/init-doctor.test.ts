import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/admin/doctor.js';
import { portProblem } from '../../src/admin/doctor-probes.js';
import { initProject, InitError } from '../../src/admin/init.js';
import { loadConfig } from '../../src/config/config.js';
import { ingestExitCode } from '../../src/cli/commands/ingest.js';
import type { IngestReport } from '../../src/ingest/ingest.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'clearance-init-'));

/** `clearance doctor` as a function: the scaffold's config, from an unrelated cwd, port check off (CI shares ports). */
const doctor = (dir: string) =>
  runDoctor(() => {
    const file = path.join(dir, 'clearance.config.yaml');
    return { config: loadConfig({ cwd: fresh(), env: {}, configFile: file, flags: { httpPort: 0 } }), file };
  });

describe('clearance init and doctor (issue 18)', () => {
  it('init scaffolds a folder that doctor passes, and refuses a non-empty folder without --force', async () => {
    const dir = path.join(fresh(), 'org');
    const result = await initProject(dir);
    expect(result.files).toEqual(
      expect.arrayContaining(['clearance.config.yaml', 'policy/people.csv', 'corpora/handbook/corpus.yaml', 'policy/expectations.yaml']),
    );
    const checks = await doctor(dir);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.check)).toEqual(['config', 'policy', 'manifest handbook', 'model', 'store', 'policy version', 'keys', 'audit', 'http port']);
    expect(checks.find((c) => c.check === 'config')!.detail).toContain(path.join(dir, '.clearance'));
    await expect(initProject(dir)).rejects.toThrow(InitError);
    await expect(initProject(dir)).rejects.toThrow(/not empty.*--force/);
    await expect(initProject(dir, { force: true })).resolves.toMatchObject({ dir });
  });

  it('doctor names a misspelt group in a manifest, an unknown class and a broken policy; every other check still runs', async () => {
    const dir = path.join(fresh(), 'org');
    await initProject(dir);
    const manifest = path.join(dir, 'corpora/handbook/corpus.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('read_acl: [group:staff]', 'read_acl: [group:staf, user:ada]'));
    let checks = await doctor(dir);
    const bad = checks.find((c) => c.check === 'manifest handbook')!;
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/read_acl: "group:staf" stands for nobody/);
    expect(bad.detail).toContain('group:staff');
    expect(checks).toHaveLength(9);

    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('data_class: general', 'data_class: genral'));
    checks = await doctor(dir);
    expect(checks.find((c) => c.check === 'manifest handbook')!.detail).toMatch(/unknown data class "genral"/);

    writeFileSync(path.join(dir, 'policy/people.csv'), 'g, user:ada\n');
    checks = await doctor(dir);
    expect(checks.find((c) => c.check === 'policy')).toMatchObject({ ok: false, detail: expect.stringMatching(/people\.csv:1/) });
    expect(checks.find((c) => c.check === 'manifests')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.check === 'model')!.ok).toBe(true);
  });

  it('doctor reports a bad config file as its first and only check', async () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'clearance.config.yaml'), 'htpPort: 1\n');
    const checks = await doctor(dir);
    expect(checks).toEqual([{ check: 'config', ok: false, detail: expect.stringMatching(/htpPort/) }]);
  });

  it('the port check notices a port in use', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await portProblem('127.0.0.1', port)).toMatch(/in use/);
    } finally {
      server.close();
    }
    expect(await portProblem('127.0.0.1', port)).toBeNull();
  });

  it('ingest --strict turns an incomplete ingest (exit 2) into a failure (exit 1)', () => {
    const report = (skipped: number, error: string | null, missingSources: string[] = []) =>
      ({
        sources: [{ error, skipped: Array.from({ length: skipped }, () => ({ path: 'x', reason: 'y' })) }],
        missingSources,
      }) as unknown as IngestReport;
    expect(ingestExitCode(report(0, null))).toBe(0);
    expect(ingestExitCode(report(0, null), true)).toBe(0);
    expect(ingestExitCode(report(1, null))).toBe(2);
    expect(ingestExitCode(report(1, null), true)).toBe(1);
    expect(ingestExitCode(report(0, 'bad manifest'), true)).toBe(1);
    expect(ingestExitCode(report(0, null, ['gone']))).toBe(2);
    expect(ingestExitCode(report(0, null, ['gone']), true)).toBe(1);
  });
});
