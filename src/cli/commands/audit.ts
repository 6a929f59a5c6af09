import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { adminActor } from '../../admin/sign-in.js';
import type { JWK } from 'jose';
import { buildPacket, formatPacket, readRunReport } from '../../audit/packet.js';
import { purgeAudit } from '../../audit/purge.js';
import { readAuditRecords } from '../../audit/reader.js';
import { edgeRecords, formatEdge, formatTrace, traceRun } from '../../audit/trace.js';
import { PublicJwkSchema } from '../../audit/witness.js';
import { NO_WITNESS_WARNING, verifyAudit, type ReplicaVerification } from '../../audit/verify.js';
import { whoRead } from '../../audit/who-read.js';
import { parseDurationMs } from '../../config/duration.js';
import { auditAdmin } from '../../admin/record.js';
import { withApp } from '../../app/app.js';
import { Store } from '../../store/store.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { printTable } from '../output.js';

/** Runs `fn` over the local audit folder and the store holding every replica's shipped segments. */
async function withAuditStore<T>(command: Command, fn: (auditDir: string, store: Store) => Promise<T>): Promise<T> {
  const config = configFrom(command);
  const store = await Store.open(config);
  try {
    return await fn(config.auditDir, store);
  } finally {
    store.close();
  }
}

async function runTrace(command: Command, runId: string) {
  const trace = await withAuditStore(command, async (auditDir, store) => traceRun(await readAuditRecords(auditDir, store), runId));
  if (!trace)
    throw new Error(`no records for run "${runId}" in ${configFrom(command).auditDir} or the store; run ids are printed by session_info and in the audit log`);
  return trace;
}

async function readTrustedKey(file: string): Promise<JWK> {
  const parsed = PublicJwkSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`--trusted-key ${file}: not an Ed25519 public JWK`);
  return parsed.data as JWK;
}

function printVerification(results: ReplicaVerification[]): void {
  printTable(
    results.map((r) => ({
      replica: r.replica,
      read_from: r.file,
      records: r.records,
      signed_through: r.witness ? r.witness.signedThrough : 'no witness',
      status: r.ok ? 'ok' : 'BROKEN',
      problem: r.problem ? `line ${r.problem.line}${r.problem.seq ? ` (seq ${r.problem.seq})` : ''}: ${r.problem.what}` : '',
    })),
  );
}

export function registerAudit(program: Command): void {
  program
    .command('trace [run-id]')
    .description(
      'the timeline of one run: calls, protocol requests, reasons, chunks returned with provenance, boundary pressure, approvals, kill switches; ' +
        '--edge: the requests that reached no run (refused at the HTTP edge)',
    )
    .option('--json', 'JSON output')
    .option('--edge', 'list protocol and HTTP-edge records that belong to no run')
    .action(async (runId: string | undefined, opts: { json?: boolean; edge?: boolean }, command: Command) => {
      if (opts.edge || !runId) {
        if (!opts.edge) throw new Error('trace needs a run id (or --edge for the requests that reached no run)');
        const edge = await withAuditStore(command, async (auditDir, store) => edgeRecords(await readAuditRecords(auditDir, store)));
        if (opts.json) return void printJson(edge);
        return void process.stdout.write(`${formatEdge(edge)}\n`);
      }
      const trace = await runTrace(command, runId);
      if (opts.json) printJson(trace);
      else process.stdout.write(`${formatTrace(trace)}\n`);
    });

  program
    .command('packet <run-id>')
    .description('the review packet of one run (its fields: docs/auditing.md); --with adds a run report from the agent harness or CI')
    .option('--with <run-report.json>', 'run report: commands_run, files_changed, tests_passed, tests_failed_or_skipped (JSON)')
    .option('--json', 'JSON output')
    .action(async (runId: string, opts: { with?: string; json?: boolean }, command: Command) => {
      const trace = await runTrace(command, runId);
      const packet = buildPacket(trace, opts.with ? await readRunReport(opts.with) : {});
      if (opts.json) printJson({ runId, fields: packet });
      else process.stdout.write(formatPacket(packet, runId));
    });

  program
    .command('who-read <doc-or-source>')
    .description('reverse provenance: which runs received chunks of a document (doc id) or of a source')
    .option('--json', 'JSON output')
    .action(async (target: string, opts: { json?: boolean }, command: Command) => {
      const runs = await withAuditStore(command, async (auditDir, store) => whoRead(await readAuditRecords(auditDir, store), target));
      if (opts.json) return void printJson(runs);
      if (runs.length === 0) return void process.stdout.write(`no run received ${target}\n`);
      printTable(
        runs.map((r) => ({
          run: r.runId,
          task: r.taskId,
          human: r.human,
          agent: r.agent,
          first_at: r.firstAt,
          documents: r.docs.map((d) => `${d.docId}@${d.docVersion.slice(0, 8)} (${d.dataClass})`).join('; '),
        })),
      );
    });

  const audit = program.command('audit').description('the audit log itself');
  audit
    .command('verify')
    .description("check every replica's hash chain and, with auditWitnessDir, its signed heads; report the first broken, missing, rewritten or torn record")
    .option('--trusted-key <file>', "the audit public key (JWK) as the operator keeps it; the witness's pinned key must equal it")
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean; trustedKey?: string }, command: Command) => {
      const config = configFrom(command);
      const witness = config.auditWitnessDir
        ? { dir: config.auditWitnessDir, trustedKey: opts.trustedKey ? await readTrustedKey(opts.trustedKey) : undefined }
        : undefined;
      const results = await withAuditStore(command, (auditDir, store) => verifyAudit(auditDir, store, witness));
      // Said out loud: a chain that merely agrees with itself proves little against its own operator.
      if (!witness) (opts.json ? process.stderr : process.stdout).write(`warning: ${NO_WITNESS_WARNING}\n`);
      if (opts.json) printJson(results);
      else if (results.length === 0) process.stdout.write(`no audit records in ${config.auditDir} or the store\n`);
      else printVerification(results);
      if (results.some((r) => !r.ok)) process.exitCode = 3;
    });
  audit
    .command('purge')
    .description('retention: remove records older than a duration, keeping the chain verifiable with a checkpoint')
    .requiredOption('--older-than <duration>', 'e.g. 400d')
    .option('--json', 'print what was removed and kept, per file, as JSON')
    .action(async (opts: { olderThan: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const cutoff = new Date(Date.now() - parseDurationMs(opts.olderThan, '--older-than'));
      const results = await withApp(config, async (app) => {
        const actor = await adminActor(app, 'admin', process.env);
        const purged = await purgeAudit(config.auditDir, cutoff, app.store);
        await auditAdmin(app, {
          action: 'audit.purge',
          target: config.auditDir,
          actor,
          detail: { older_than: opts.olderThan, cutoff: cutoff.toISOString(), removed: purged.reduce((n, r) => n + r.removed, 0) },
        });
        return purged;
      });
      if (opts.json) printJson(results);
      else printTable(results.map((r) => ({ file: r.file, removed: r.removed, kept: r.kept })));
    });
}
