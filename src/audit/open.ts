import type { Config } from '../config/config.js';
import { stderrHeadLogger } from './head-signer.js';
import { AuditLog } from './log.js';
import { openAuditWitness } from './witness.js';

/**
 * Opens a replica's audit log as configured: with `auditWitnessDir`, its chain heads are signed with
 * the audit key and published to the witness. Async because the key is loaded (and the witness
 * checked against it) before the first record, so a re-pinned witness stops the process at start.
 */
export async function openAuditLog(config: Pick<Config, 'auditDir' | 'auditWitnessDir' | 'keysDir' | 'logLevel'>, replicaId: string): Promise<AuditLog> {
  const witness = config.auditWitnessDir ? await openAuditWitness({ keysDir: config.keysDir, witnessDir: config.auditWitnessDir }) : undefined;
  return AuditLog.open({ auditDir: config.auditDir, replicaId, witness, headLogger: witness && stderrHeadLogger(config.logLevel) });
}
