import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isRemoteUri, type Config } from '../config/config.js';
import { loadManifest, MANIFEST_FILE, unknownPrincipalMessage, unknownPrincipals } from '../ingest/manifest.js';
import { PolicyEngine } from '../policy/engine.js';
import { POLICY_TABLE, PolicyVersions } from '../policy/versions.js';
import { Store } from '../store/store.js';
import { keysProblem, modelProblem, portProblem, storeLocation, writableProblem } from './doctor-probes.js';

export const DoctorCheckSchema = z.object({
  check: z.string(),
  ok: z.boolean(),
  /** What was checked (ok) or what is wrong and how to fix it (not ok). */
  detail: z.string(),
});
export type DoctorCheck = z.infer<typeof DoctorCheckSchema>;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const ok = (check: string, detail: string): DoctorCheck => ({ check, ok: true, detail });
const fail = (check: string, detail: string): DoctorCheck => ({ check, ok: false, detail });
const probe = (check: string, problem: string | null, detail: string): DoctorCheck => (problem ? fail(check, problem) : ok(check, detail));

/**
 * Everything `clearance doctor` checks, one result per check; nothing is written. `config` loads the
 * configuration (its error is the first failed check); every later check runs even when another fails.
 */
export async function runDoctor(load: () => { config: Config; file: string | undefined }): Promise<DoctorCheck[]> {
  let loaded: { config: Config; file: string | undefined };
  try {
    loaded = load();
  } catch (err) {
    return [fail('config', message(err))];
  }
  const { config, file } = loaded;
  const checks: DoctorCheck[] = [
    ok('config', file ? `${file} (home ${config.home})` : `no config file (clearance init writes one); defaults and CLEARANCE_* (home ${config.home})`),
  ];

  let policy: PolicyEngine | null = null;
  try {
    policy = await PolicyEngine.load(config.policyDir);
    checks.push(
      ok(
        'policy',
        `${config.policyDir} version ${policy.version}: ${policy.knownHumans().length} people, ${policy.knownAgents().length} agents, ${policy.classes.length} classes`,
      ),
    );
  } catch (err) {
    checks.push(fail('policy', message(err)));
  }
  checks.push(...(await manifestChecks(config.corporaDir, policy)));
  const model = modelProblem(config);
  checks.push(probe('model', model.problem, model.detail));
  checks.push(await storeCheck(config));
  if (policy) checks.push(await liveVersionCheck(config, policy));
  const keys = await keysProblem(config.keysDir);
  checks.push(probe('keys', keys.problem, keys.detail));
  checks.push(probe('audit', await writableProblem(config.auditDir, 'audit folder'), `${config.auditDir} (writable)`));
  if (config.auditWitnessDir)
    checks.push(probe('audit witness', await writableProblem(config.auditWitnessDir, 'audit witness folder'), config.auditWitnessDir));
  const portDetail = config.httpPort === 0 ? `${config.httpHost}: port 0, a free port is picked at start` : `${config.httpHost}:${config.httpPort} is free`;
  checks.push(probe('http port', await portProblem(config.httpHost, config.httpPort), portDetail));
  return checks;
}

/** Every corpus folder's manifest against its schema, the policy's classes and the policy's people. */
async function manifestChecks(corporaDir: string, policy: PolicyEngine | null): Promise<DoctorCheck[]> {
  let folders: string[];
  try {
    folders = (await readdir(corporaDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [
      fail(
        'corpora',
        `corpora folder ${corporaDir} cannot be read. Set corporaDir (CLEARANCE_CORPORA_DIR, --corpora-dir) to the folder holding one folder per source.`,
      ),
    ];
  }
  if (folders.length === 0) return [fail('corpora', `${corporaDir} has no source folders. Add one folder per source, each with a ${MANIFEST_FILE}.`)];
  if (!policy) return [fail('manifests', `${folders.length} source(s) in ${corporaDir} not checked: the policy did not load`)];
  const classes = new Set(policy.classes.map((c) => c.id));
  const checks: DoctorCheck[] = [];
  for (const name of folders) {
    const dir = path.join(corporaDir, name);
    const check = `manifest ${name}`;
    if (!existsSync(path.join(dir, MANIFEST_FILE))) {
      checks.push(fail(check, `${dir} has no ${MANIFEST_FILE}: ingest reports it as a failed source. Add one, or move the folder out of ${corporaDir}.`));
      continue;
    }
    try {
      const manifest = await loadManifest(dir, classes);
      const unknown = unknownPrincipals(manifest, policy);
      if (unknown.length > 0) {
        const groups = [...policy.directory.groupsWithMembers()].sort().join(', ');
        checks.push(
          fail(
            check,
            `${unknown.map((u) => unknownPrincipalMessage(path.join(dir, MANIFEST_FILE), u)).join('\n')}\n  (groups with members: ${groups || 'none'})`,
          ),
        );
      } else {
        checks.push(ok(check, `class ${manifest.data_class}, read_acl [${manifest.read_acl.join(', ')}]`));
      }
    } catch (err) {
      checks.push(fail(check, message(err)));
    }
  }
  return checks;
}

/** The version servers serve (the live published one, if any) against the policy folder on disk. Reads only. */
async function liveVersionCheck(config: Config, disk: PolicyEngine): Promise<DoctorCheck> {
  const folderOnly = ok('policy version', `no published version: servers serve the policy folder (version ${disk.version})`);
  if (!isRemoteUri(config.storeUri) && !existsSync(storeLocation(config))) return folderOnly;
  let store: Store | null = null;
  try {
    store = await Store.open(config);
    if (!(await store.hasTable(POLICY_TABLE))) return folderOnly;
    const live = await (await PolicyVersions.open(store)).live();
    if (!live) return folderOnly;
    if (live.version === disk.version) return ok('policy version', `live v${live.seq} is the policy folder (version ${disk.version})`);
    return fail(
      'policy version',
      `servers serve published v${live.seq} (version ${live.version}) but the policy folder is version ${disk.version}: publish the folder with \`clearance policy apply\` (it prints the diff), or bring the folder back to v${live.seq}`,
    );
  } catch (err) {
    return fail('policy version', message(err));
  } finally {
    store?.close();
  }
}

/** The store answers a read (its meta table, if any); a local store that does not exist yet is created by the first ingest. */
async function storeCheck(config: Config): Promise<DoctorCheck> {
  const where = storeLocation(config);
  if (!isRemoteUri(config.storeUri) && !existsSync(where)) {
    return probe('store', await writableProblem(where, 'store folder'), `${where} (empty: created by the first ingest)`);
  }
  let store: Store | null = null;
  try {
    store = await Store.open(config);
    const meta = await store.readMeta();
    return ok('store', `${where} (${meta.size > 0 ? 'ingested' : 'no ingest yet'})`);
  } catch (err) {
    return fail('store', `${message(err)}. Check storeUri and, for an object store, storageOptions / CLEARANCE_STORAGE_*.`);
  } finally {
    store?.close();
  }
}
