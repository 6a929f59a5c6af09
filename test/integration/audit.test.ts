import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, AuditUnavailableError, auditFile } from '../../src/audit/log.js';
import { purgeAudit } from '../../src/audit/purge.js';
import type { AuditEvent } from '../../src/audit/record.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { REPO } from '../helpers/world.js';
import { randomInt } from '../helpers/wait.js';

const dir = () => mkdtempSync(path.join(tmpdir(), 'clearance-audit-'));
const admin = (i: number, detail: Record<string, unknown> = {}): AuditEvent => ({
  kind: 'admin',
  actor: 'tester',
  actor_auth: 'test',
  action: 'test.event',
  target: `t${i}`,
  detail,
});

async function filled(n: number): Promise<{ auditDir: string; file: string }> {
  const auditDir = dir();
  const log = AuditLog.open({ auditDir, replicaId: 'r1' });
  for (let i = 0; i < n; i++) await log.append(admin(i));
  await log.close();
  return { auditDir, file: auditFile(auditDir, 'r1') };
}

describe('audit log', () => {
  it('chains records and verifies; concurrent appends keep the chain and strictly increasing seq', async () => {
    const auditDir = dir();
    const log = AuditLog.open({ auditDir, replicaId: 'r1' });
    const records = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(admin(i))));
    await log.close();
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const [result] = await verifyAudit(auditDir);
    expect(result).toMatchObject({ ok: true, records: 200, problem: null });
    // Reopening continues the chain.
    const again = AuditLog.open({ auditDir, replicaId: 'r1' });
    expect((await again.append(admin(201))).seq).toBe(201);
    await again.close();
    expect((await verifyAudit(auditDir))[0]!.ok).toBe(true);
  });

  it('detects and locates a flipped byte, a deleted line, and a truncation mid-line', async () => {
    const flip = await filled(10);
    const lines = readFileSync(flip.file, 'utf8').split('\n');
    lines[4] = lines[4]!.replace('"target":"t4"', '"target":"t5"');
    writeFileSync(flip.file, lines.join('\n'));
    expect((await verifyAudit(flip.auditDir))[0]!.problem).toMatchObject({ line: 5, seq: 5, what: expect.stringMatching(/altered/) });

    const del = await filled(10);
    const kept = readFileSync(del.file, 'utf8')
      .split('\n')
      .filter((_, i) => i !== 6);
    writeFileSync(del.file, kept.join('\n'));
    expect((await verifyAudit(del.auditDir))[0]!.problem).toMatchObject({ line: 7, what: expect.stringMatching(/removed or altered/) });

    const cut = await filled(10);
    const text = readFileSync(cut.file, 'utf8');
    writeFileSync(cut.file, text.slice(0, text.length - 40));
    const torn = (await verifyAudit(cut.auditDir))[0]!;
    expect(torn.tornTail).toBe(true);
    expect(torn.problem?.what).toMatch(/torn final line/);
    // Reopening repairs the torn tail (moved aside for forensics) and records the recovery.
    const reopened = AuditLog.open({ auditDir: cut.auditDir, replicaId: 'r1' });
    await reopened.append(admin(99));
    await reopened.close();
    const repaired = (await verifyAudit(cut.auditDir))[0]!;
    expect(repaired.ok).toBe(true);
    expect(readFileSync(cut.file, 'utf8')).toMatch(/audit\.recover/);
  });

  it('fails closed when the audit folder cannot be written', async () => {
    const parent = dir();
    writeFileSync(path.join(parent, 'not-a-dir'), 'x');
    expect(() => AuditLog.open({ auditDir: path.join(parent, 'not-a-dir', 'audit'), replicaId: 'r1' })).toThrow(AuditUnavailableError);
  });

  it('fails closed on a full disk: the append rejects and the log stays unavailable', async () => {
    const auditDir = dir();
    const log = AuditLog.open({ auditDir, replicaId: 'r1' });
    await log.append(admin(1));
    // Point the open descriptor at /dev/full, which fails every write with ENOSPC.
    const destination = (log as unknown as { destination: { fd: number } }).destination;
    const { openSync, closeSync } = await import('node:fs');
    closeSync(destination.fd);
    destination.fd = openSync('/dev/full', 'w');
    await expect(log.append(admin(2))).rejects.toThrow(AuditUnavailableError);
    expect(log.isAvailable()).toBe(false);
    await expect(log.append(admin(3))).rejects.toThrow(/unavailable/);
  });

  it('never stores secrets, whatever a caller passes', async () => {
    const auditDir = dir();
    const log = AuditLog.open({ auditDir, replicaId: 'r1' });
    await log.append(admin(1, { token: 'eyJ.secret', nested: { Authorization: 'Bearer x', password: 'p', ok: 'kept' } }));
    await log.close();
    const text = readFileSync(auditFile(auditDir, 'r1'), 'utf8');
    expect(text).not.toMatch(/eyJ\.secret|Bearer x|"p"/);
    expect(text).toMatch(/kept/);
  });

  it('purge removes expired records and leaves a checkpoint that keeps the chain verifiable', async () => {
    const { auditDir, file } = await filled(20);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const cutoff = new Date(Date.parse(lines[11].ts) + 1);
    await purgeAudit(auditDir, new Date(Math.max(cutoff.getTime(), Date.parse(lines[11].ts))));
    const after = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(after[0].kind).toBe('checkpoint');
    expect((await verifyAudit(auditDir))[0]!.ok).toBe(true);
    const log = AuditLog.open({ auditDir, replicaId: 'r1' });
    await log.append(admin(21));
    await log.close();
    expect((await verifyAudit(auditDir))[0]!.ok).toBe(true);
  });

  it('survives kill -9 of a process appending in a loop: verify passes or reports only a torn tail that reopening repairs', async () => {
    const auditDir = dir();
    mkdirSync(auditDir, { recursive: true });
    // The writer runs the built code (npm test builds first) in its own process.
    const script = path.join(auditDir, 'writer.mjs');
    writeFileSync(
      script,
      `import { AuditLog } from '${path.join(REPO, 'dist/src/audit/log.js')}';\nconst log = AuditLog.open({ auditDir: '${auditDir}', replicaId: 'r1' });\nfor (let i = 0; ; i++) { await log.append({ kind: 'admin', actor: 'w', actor_auth: 't', action: 'loop', target: String(i), detail: { pad: 'x'.repeat(500) } }); process.stdout.write('.'); }\n`,
    );
    const writer = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    // One '.' per durable append: kill after a random number of them (a count, not a delay), mid-loop.
    const killAfter = randomInt(20, 200);
    let appended = 0;
    await new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (d: Buffer) => (appended += d.length) >= killAfter && resolve());
      writer.once('exit', (code) => reject(new Error(`writer exited ${code}`)));
    });
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));
    const [result] = await verifyAudit(auditDir);
    expect(result!.ok || result!.tornTail).toBe(true);
    const reopened = AuditLog.open({ auditDir, replicaId: 'r1' });
    await reopened.append(admin(0));
    await reopened.close();
    expect((await verifyAudit(auditDir))[0]!.ok).toBe(true);
  });
});
