import type { AuditRecord, CallEvent } from './record.js';

export interface ReadingRun {
  runId: string;
  taskId: string;
  human: string;
  agent: string;
  firstAt: string;
  docs: { docId: string; docVersion: string; dataClass: string }[];
}

/** Reverse provenance: every run that received chunks of a document (or of any document of a source). */
export function whoRead(records: AuditRecord[], target: string): ReadingRun[] {
  const runs = new Map<string, ReadingRun>();
  for (const r of records) {
    if (r.kind !== 'call') continue;
    const call = r as CallEvent & AuditRecord;
    for (const chunk of call.chunks) {
      if (chunk.doc_id !== target && chunk.source !== target) continue;
      const run = runs.get(call.run_id) ?? { runId: call.run_id, taskId: call.task_id, human: call.human, agent: call.agent, firstAt: call.ts, docs: [] };
      if (!run.docs.some((d) => d.docId === chunk.doc_id && d.docVersion === chunk.doc_version))
        run.docs.push({ docId: chunk.doc_id, docVersion: chunk.doc_version, dataClass: chunk.data_class });
      runs.set(call.run_id, run);
    }
  }
  return [...runs.values()].sort((a, b) => a.firstAt.localeCompare(b.firstAt));
}
