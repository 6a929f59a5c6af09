import type { Command } from 'commander';
import { adminActor } from '../../admin/sign-in.js';
import { auditAdmin } from '../../admin/record.js';
import { withApp } from '../../app/app.js';
import { parseDurationMs } from '../../config/duration.js';
import { ingestCorpora } from '../../app/ingest.js';
import { watchAndIngest } from '../../app/watch-ingest.js';
import type { IngestReport } from '../../ingest/ingest.js';
import type { Config } from '../../config/config.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { printTable } from '../output.js';
import { progressReporter } from '../progress.js';
import { inertLine, plain } from '../../views/inert.js';

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description(
      'ingest the labelled corpora into the store (incremental: unchanged documents are not re-embedded). ' +
        'Exit 0: everything ingested; 2: done, but a source failed (it keeps its last good version) or a file or record was skipped (1 with --strict); 1: nothing was ingested',
    )
    .option('--source <id...>', 'only these sources (default: every folder under the corpora folder)')
    .option('--dry-run', 'report what would change, write nothing')
    .option('--remove-missing', 'also delete ingested sources whose folder is gone (default: report them and keep them)')
    .option('--json', 'print the report as JSON')
    .option('--strict', 'exit 1 (not 2) when a source failed or a file or record was skipped, e.g. in CI')
    .option('--wait <duration>', 'queue behind another ingest holding the writer lease for up to this long (e.g. 10m; default: fail at once)')
    .option('--watch', 'keep running: apply every change to the corpora folder (additions, edits, deletions, relabels) as it happens, holding the writer lease')
    .option('--debounce <duration>', 'with --watch: apply a burst of changes once it has been quiet this long', '500ms')
    .action(async (opts: IngestFlags, command: Command) => {
      const leaseWaitMs = opts.wait ? parseDurationMs(opts.wait, '--wait') : 0;
      if (opts.watch) return watchIngest(configFrom(command), opts, leaseWaitMs);
      const report = await withApp(configFrom(command), async (app) => {
        // Checked before anything is written: a signed-in person without the role ingests nothing.
        const actor = await adminActor(app, 'admin', process.env);
        const progress = progressReporter();
        const result = await ingestCorpora(app, {
          sources: opts.source,
          dryRun: opts.dryRun,
          removeMissing: opts.removeMissing,
          onProgress: progress.onProgress,
          leaseWaitMs,
        }).finally(() => progress.stop());
        if (!result.dryRun) {
          await auditAdmin(app, {
            action: 'ingest',
            target: opts.source?.join(',') ?? 'all',
            actor,
            detail: {
              docsEmbedded: result.docsEmbedded,
              chunksWritten: result.chunksWritten,
              tableVersion: result.tableVersion,
              policyVersion: app.policy().version,
              missingSources: result.missingSources,
              removedSources: result.removedSources,
            },
          });
        }
        return result;
      });
      if (opts.json) printJson(report);
      else printReport(report, opts.strict);
      process.exitCode = ingestExitCode(report, opts.strict);
    });
}

interface IngestFlags {
  source?: string[];
  dryRun?: boolean;
  removeMissing?: boolean;
  json?: boolean;
  strict?: boolean;
  wait?: string;
  watch?: boolean;
  debounce: string;
}

/** `ingest --watch`: every applied batch is reported as a one-shot ingest is (one JSON line each with --json), until SIGINT or SIGTERM. */
async function watchIngest(config: Config, opts: IngestFlags, leaseWaitMs: number): Promise<void> {
  if (opts.source || opts.dryRun || opts.removeMissing)
    throw new Error('--watch: watches every source, writes, and removes a source whose folder is deleted; drop --source, --dry-run and --remove-missing');
  const debounceMs = parseDurationMs(opts.debounce, '--debounce');
  await withApp(config, async (app) => {
    const progress = progressReporter();
    const watcher = await watchAndIngest(app, {
      debounceMs,
      leaseWaitMs,
      onProgress: progress.onProgress,
      onReport(report) {
        progress.stop();
        if (opts.json) printJson(report, { oneLine: true });
        else printReport(report, opts.strict);
      },
      onError: (err) =>
        process.stderr.write(`clearance: watch: batch failed, still watching: ${inertLine(err instanceof Error ? err.message : String(err))}\n`),
    });
    process.stderr.write(`clearance: watching ${inertLine(config.corporaDir)} for changes (debounce ${debounceMs} ms); Ctrl-C to stop\n`);
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    process.stderr.write(`clearance: watch stopped (${signal})\n`);
    await watcher.close();
  });
}

const VERB = { redact: 'redacted', flag: 'flagged, kept', refuse: 'refused' } as const;

/**
 * 0: every selected source and file is in the store, and the store holds no source without a folder;
 * 2: the run finished and every other source and file applied, but something was left out (a failed
 * source, a skipped file or record) or a source's folder is missing (kept until `--remove-missing` or
 * `clearance sources remove`); 1 (from main): the ingest did not run at all (flags, writer lease,
 * store, model). `--strict` makes 2 a 1.
 */
export function ingestExitCode(report: IngestReport, strict = false): number {
  if (!report.sources.some((s) => s.error || s.skipped.length > 0) && report.missingSources.length === 0) return 0;
  return strict ? 1 : 2;
}

/** Source names, file names and error messages come from the corpora folder: each printed line goes through inertLine. */
function printReport(report: IngestReport, strict = false): void {
  printTable(
    report.sources.map((s) => ({
      source: inertLine(s.source),
      class: s.dataClass ?? '-',
      docs: s.docs,
      embedded: s.embedded,
      relabelled: s.relabelled,
      deleted: s.deleted,
      chunks: s.chunks,
      skipped: s.skipped.length,
      secrets: s.secrets.reduce((n, d) => n + d.findings.length, 0),
      status: s.error ? 'ERROR' : 'ok',
    })),
  );
  for (const s of report.sources) {
    if (s.error) process.stderr.write(plain`\n${s.source}: ${s.error}` + `\n  (the store keeps this source's last good version)\n`);
    for (const skip of s.skipped) process.stderr.write(plain`  skipped ${s.source}/${skip.path}: ${skip.reason}` + '\n');
    // Kind, rule and span only: the report never carries the value it found.
    for (const d of s.secrets) {
      const where = d.findings.map((f) => `${f.kind} ${f.field}[${f.start},${f.end}) ${f.rule}`).join('; ');
      process.stdout.write(plain`  secrets ${s.source}/${d.path} (class ${d.dataClass}: ${VERB[d.mode]} ${d.findings.length}): ${where}` + '\n');
    }
  }
  const rate =
    report.seconds > 0 ? ` (${(report.docsEmbedded / report.seconds).toFixed(1)} docs/s, ${(report.chunksWritten / report.seconds).toFixed(1)} chunks/s)` : '';
  process.stdout.write(
    `\n${report.dryRun ? 'dry run: would embed' : 'embedded'} ${report.docsEmbedded} documents, wrote ${report.chunksWritten} chunks in ${report.seconds.toFixed(1)} s${rate}; table version ${report.tableVersion}\n`,
  );
  if (report.removedSources.length) process.stdout.write(`removed sources: ${report.removedSources.map(inertLine).join(', ')}\n`);
  for (const source of report.missingSources)
    process.stderr.write(
      `\nmissing: source ${inertLine(source)} is in the store but its folder is gone; its chunks are kept. ` +
        `Restore the folder, or remove it with \`clearance sources remove ${inertLine(source)}\` (or \`clearance ingest --remove-missing\`)\n`,
    );
  const failed = report.sources.filter((s) => s.error).length;
  const skipped = report.sources.reduce((n, s) => n + s.skipped.length, 0);
  if (failed + skipped + report.missingSources.length > 0)
    process.stderr.write(
      `\nincomplete: ${failed} source(s) failed, ${skipped} file(s) or record(s) skipped${report.missingSources.length ? `, ${report.missingSources.length} source folder(s) missing` : ''} (exit status ${ingestExitCode(report, strict)})\n`,
    );
}
