import { NewestReads, readUntilFresh, STALE_AFTER_MS, type Read } from '../config/freshness.js';
import type { Store } from '../store/store.js';
import { PolicyEngine } from './engine.js';
import { parsePolicyTexts, policyVersion, readPolicyFiles, readPolicyFolder, type PolicyFiles } from './files.js';
import { ProvisionedDirectory, type ProvisionedState } from './provisioned.js';
import { withProvisioned } from './provisioned-rules.js';
import { filesOf, PolicyVersions } from './versions.js';

/** The policy files an engine is built from, before the SCIM directory is merged in. */
interface PolicyBase {
  files: PolicyFiles;
  where: string;
}

/** One engine from the policy files and the provisioned directory (see provisioned-rules.ts). */
const build = (base: PolicyBase, provisioned: ProvisionedState) => PolicyEngine.fromFiles(withProvisioned(base.files, provisioned), base.where);

export class PolicyUnavailable extends Error {
  override name = 'PolicyUnavailable';
}

export interface LivePolicyEvents {
  /** A new version is being served. */
  swapped?(event: { version: string; seq: number | null; from: string }): void;
  /** An edit or a published version could not be served; the last good version keeps serving. */
  refused?(event: { what: string; error: string }): void;
}

export interface LivePolicyOptions {
  pollMs?: number;
  /** Past this without a successful read of the policy state, every call is refused (fail closed). */
  failClosedAfterMs?: number;
  /** With no published version: follow edits of the policy folder (local development). */
  watchFolder?: boolean;
  events?: LivePolicyEvents;
}

/**
 * The policy a process serves: the live published version in the store, else the policy folder,
 * with the SCIM-provisioned directory merged in. It follows new versions and directory changes by
 * polling (the kill-switch watcher's design) and swaps engines atomically: a call sees one engine,
 * whole. A version that fails to parse is never served.
 */
export class LivePolicy {
  private seq: number | null = null;
  private lastRead = Date.now();
  private lastError: string | null = null;
  private readonly reads = new NewestReads();
  private timer: NodeJS.Timeout | null = null;
  private options: LivePolicyOptions = {};
  /** The folder content last refused, so one bad edit is reported once, not at every poll. */
  private refusedFolder: string | null = null;

  private constructor(
    private engine: PolicyEngine,
    private base: PolicyBase,
    private provisioned: { version: string; state: ProvisionedState },
    private readonly versions: PolicyVersions,
    readonly directory: ProvisionedDirectory,
    private readonly policyDir: string,
  ) {}

  static async open(store: Store, policyDir: string): Promise<LivePolicy> {
    const versions = await PolicyVersions.open(store);
    const directory = await ProvisionedDirectory.open(store);
    const live = await versions.live();
    const base = live ? filesOf(live) : { files: await readPolicyFiles(policyDir), where: policyDir };
    const provisioned = { version: await directory.version(), state: await directory.state() };
    const policy = new LivePolicy(await build(base, provisioned.state), base, provisioned, versions, directory, policyDir);
    policy.seq = live?.seq ?? null;
    return policy;
  }

  /**
   * The engine in force; throws (fail closed) when reads of the policy state have been failing, or one
   * has hung, for longer than the bound. A process merely too busy to poll is not refused here:
   * `fresh()` (the gate's entry) catches up first.
   */
  current(): PolicyEngine {
    const bound = this.options.failClosedAfterMs;
    if (this.timer && bound !== undefined && Date.now() - this.lastRead > bound) {
      const since = this.reads.inFlightSince;
      const hung = since !== null && Date.now() - since > bound;
      if (this.lastError !== null || hung) {
        throw new PolicyUnavailable(`the policy state could not be read for over ${bound} ms${this.lastError ? ` (${this.lastError})` : ''}; refusing (fail closed)`);
      }
    }
    return this.engine;
  }

  /**
   * The engine for a call starting now, from policy state read at most STALE_AFTER_MS before it (the
   * kill switch's bound): a stale state is re-read first, waiting up to the fail-closed bound.
   */
  async fresh(): Promise<PolicyEngine> {
    const asked = Date.now();
    const bound = this.options.failClosedAfterMs;
    // Stale, or the last read failed: read again before deciding.
    const unsure = () => asked - this.lastRead > STALE_AFTER_MS || this.lastError !== null;
    if (!this.timer || bound === undefined || !unsure()) return this.current();
    await readUntilFresh({ stale: unsure, read: () => this.refresh(asked - STALE_AFTER_MS), failed: () => this.lastError !== null }, asked + bound);
    if (unsure()) {
      throw new PolicyUnavailable(`the policy state could not be read for over ${bound} ms${this.lastError ? ` (${this.lastError})` : ''}; refusing (fail closed)`);
    }
    return this.engine;
  }

  /** The published version number being served, or null when serving the policy folder. */
  get liveSeq(): number | null {
    return this.seq;
  }

  /** When the policy state was last read successfully (ms epoch), for health and metrics. */
  get lastReadAt(): number {
    return this.lastRead;
  }

  /** Follows the live version from now on (serving processes); admin commands read it once. */
  start(options: LivePolicyOptions = {}): void {
    this.options = options;
    const tick = async () => {
      await this.refresh();
      if (this.timer) this.timer = setTimeout(tick, this.options.pollMs ?? 500);
    };
    this.timer = setTimeout(tick, this.options.pollMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A read that includes every commit before `notBefore` (default: before this call); a slow older read never brings back an older policy. */
  refresh(notBefore = Date.now()): Promise<void> {
    return this.reads.refresh(notBefore, async (read) => {
      let seq: number;
      try {
        seq = await this.versions.liveSeq();
      } catch (err) {
        this.readFailed(read, 'the published policy state', err);
        return;
      }
      if (seq > 0 && seq !== this.seq) await this.followPublished(seq, read);
      else if (seq === 0 && this.options.watchFolder) await this.followFolder(read);
      try {
        await this.followDirectory(read);
      } catch (err) {
        this.readFailed(read, 'the provisioned (SCIM) directory', err);
        return;
      }
      if (!read.claim()) return;
      this.lastRead = Math.max(this.lastRead, read.started);
      this.lastError = null;
    });
  }

  private readFailed(read: Read, what: string, err: unknown): void {
    if (read.superseded()) return;
    this.lastError = (err as Error).message;
    this.options.events?.refused?.({ what, error: this.lastError });
  }

  private async followPublished(seq: number, read: Read): Promise<void> {
    const row = await this.versions.byNumber(seq);
    if (!row) return;
    try {
      const base = filesOf(row);
      this.swap(await build(base, this.provisioned.state), base, seq, read);
    } catch (err) {
      this.options.events?.refused?.({ what: `published policy v${seq}`, error: (err as Error).message });
    }
  }

  private async followFolder(read: Read): Promise<void> {
    try {
      const texts = await readPolicyFolder(this.policyDir);
      const version = policyVersion(texts);
      if (version === this.engine.version || version === this.refusedFolder) return;
      this.refusedFolder = version;
      const base = { files: parsePolicyTexts(this.policyDir, texts), where: this.policyDir };
      this.swap(await build(base, this.provisioned.state), base, null, read);
    } catch (err) {
      this.options.events?.refused?.({ what: `the edit of ${this.policyDir}`, error: (err as Error).message });
    }
  }

  /**
   * A SCIM change is merged into the version in force: same policy version, new engine (the change
   * itself is audited by the SCIM endpoint). A read failure here fails closed like the policy's.
   */
  private async followDirectory(read: Read): Promise<void> {
    const version = await this.directory.version();
    if (version === this.provisioned.version) return;
    const provisioned = { version, state: await this.directory.state() };
    const engine = await build(this.base, provisioned.state);
    if (!read.claim()) return;
    this.engine = engine;
    this.provisioned = provisioned;
  }

  /** Puts a newly read policy in force, unless a newer read has already been applied. */
  private swap(engine: PolicyEngine, base: PolicyBase, seq: number | null, read: Read): void {
    if (!read.claim()) return;
    const from = this.engine.version;
    this.engine = engine;
    this.base = base;
    this.seq = seq;
    this.options.events?.swapped?.({ version: engine.version, seq, from });
  }
}
