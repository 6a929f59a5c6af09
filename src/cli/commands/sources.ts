import type { Command } from 'commander';
import { adminActor } from '../../admin/sign-in.js';
import { removeSource } from '../../admin/sources.js';
import { withApp } from '../../app/app.js';
import { parseDurationMs } from '../../config/duration.js';
import { describeFreshness, sourceIsStale } from '../../retrieval/freshness.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { printTable } from '../output.js';
import { inertLine } from '../../views/inert.js';

export function registerSources(program: Command): void {
  const sources = program.command('sources').description('ingested sources: list them (the default), remove one');

  sources
    .command('list', { isDefault: true })
    .description('ingested sources: class, owner, documents, chunks, last ingest, freshness')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const rows = [...(await withApp(configFrom(command), (app) => app.sources.all())).values()];
      if (opts.json) return void printJson(rows);
      printTable(
        rows.map((s) => ({
          source: s.source,
          class: s.data_class,
          owner: s.owner,
          docs: s.doc_count,
          chunks: s.chunk_count,
          last_ingest: s.last_ingest_at.slice(0, 19),
          freshness: describeFreshness(s),
          stale: sourceIsStale(s) ? 'STALE' : '',
        })),
      );
      const stale = rows.filter((s) => sourceIsStale(s));
      if (stale.length) process.stderr.write(`warning: ${stale.map((s) => s.source).join(', ')} past its review date\n`);
    });

  sources
    .command('remove <source>')
    .description("admin: delete an ingested source's chunks and its entry from the store (audited); its folder is left as it is")
    .option('--wait <duration>', 'queue behind an ingest holding the writer lease for up to this long (default: fail at once)')
    .option('--json', 'JSON output')
    .action(async (source: string, opts: { wait?: string; json?: boolean }, command: Command) => {
      const leaseWaitMs = opts.wait ? parseDurationMs(opts.wait, '--wait') : 0;
      const removed = await withApp(configFrom(command), async (app) =>
        removeSource(app, source, await adminActor(app, 'admin', process.env), { leaseWaitMs }),
      );
      if (opts.json) return void printJson(removed);
      process.stdout.write(`removed source ${inertLine(removed.source)}: ${removed.chunksRemoved} chunks; table version ${removed.tableVersion}\n`);
      if (removed.folderRemains)
        process.stderr.write(
          `note: its folder is still in the corpora folder, so the next \`clearance ingest\` adds it back; move or delete the folder to keep it out\n`,
        );
    });
}
