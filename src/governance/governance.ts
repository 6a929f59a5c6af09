import { randomUUID } from 'node:crypto';
import type { Approval, RequestIdentity } from '../identity/identity.js';
import { QuotaExceeded, type Quotas } from '../config/quotas.js';
import type { CompactionOptions, Compactor } from '../store/compaction.js';
import { predicatesFor } from '../store/predicates.js';
import type { Store } from '../store/store.js';
import type { TypedTable } from '../store/typed-table.js';
import {
  ApprovalRowSchema,
  approvalArrowSchema,
  GOVERNANCE_TABLES,
  SwitchRowSchema,
  switchArrowSchema,
  TaskRowSchema,
  taskArrowSchema,
  type ApprovalRow,
  type SwitchRow,
  type TaskRow,
} from './tables.js';

export class GovernanceError extends Error {
  override name = 'GovernanceError';
}

export interface Actor {
  human: string;
  auth: string;
}

export type SwitchScope = SwitchRow['scope'];

const switchWhere = predicatesFor<keyof SwitchRow>();
const approvalWhere = predicatesFor<keyof ApprovalRow>();
const taskWhere = predicatesFor<keyof TaskRow>();

/** Kill switches, approvals and the task registry, read and written through the shared store. */
export class Governance {
  private constructor(
    private readonly switches: TypedTable<typeof SwitchRowSchema>,
    private readonly approvals: TypedTable<typeof ApprovalRowSchema>,
    private readonly tasks: TypedTable<typeof TaskRowSchema>,
    /** Sign-ins with an IdP token register a task per session: the registry is compacted as it grows. */
    readonly taskCompactor: Compactor | null,
  ) {}

  static async open(store: Store, compaction?: CompactionOptions): Promise<Governance> {
    return new Governance(
      await store.typed(GOVERNANCE_TABLES.switches, switchArrowSchema, SwitchRowSchema),
      await store.typed(GOVERNANCE_TABLES.approvals, approvalArrowSchema, ApprovalRowSchema),
      await store.typed(GOVERNANCE_TABLES.tasks, taskArrowSchema, TaskRowSchema),
      compaction ? store.compactor(GOVERNANCE_TABLES.tasks, compaction) : null,
    );
  }

  // ---- kill switches ------------------------------------------------------------------------
  async kill(scope: SwitchScope, value: string, reason: string, actor: Actor): Promise<SwitchRow> {
    if (scope !== 'all' && !value) throw new GovernanceError(`--${scope} needs a value`);
    const row: SwitchRow = {
      id: `ks_${randomUUID().slice(0, 8)}`,
      scope,
      value: scope === 'all' ? '*' : value,
      reason,
      actor: actor.human,
      actor_auth: actor.auth,
      created_at: new Date().toISOString(),
      revived_at: null,
      revived_by: null,
    };
    await this.switches.add([row]);
    return row;
  }

  async revive(match: { id?: string; scope?: SwitchScope; value?: string }, actor: Actor): Promise<SwitchRow[]> {
    const active = (await this.activeSwitches()).filter((s) =>
      match.id ? s.id === match.id : s.scope === match.scope && (match.scope === 'all' || s.value === match.value),
    );
    const now = new Date().toISOString();
    for (const s of active) {
      await this.switches.update(switchWhere.eq('id', s.id), { revived_at: now, revived_by: actor.human });
    }
    return active.map((s) => ({ ...s, revived_at: now, revived_by: actor.human }));
  }

  async activeSwitches(): Promise<SwitchRow[]> {
    return this.switches.rows(switchWhere.isNull('revived_at'), { latest: true });
  }

  // ---- approvals ----------------------------------------------------------------------------
  /**
   * A pending request, whether or not the target exists (the answer reveals nothing). The same task
   * asking again for the same target gets its open request back (the approvers' queue holds it once);
   * past the per-task or per-human limit of open requests, QuotaExceeded.
   */
  async requestAccess(
    identity: RequestIdentity,
    target: { kind: 'class' | 'source'; id: string },
    reason: string,
    limits: Pick<Quotas, 'pendingRequestsPerTask' | 'pendingRequestsPerHuman'>,
  ): Promise<ApprovalRow> {
    const pending = await this.approvals.rows(approvalWhere.and(approvalWhere.eq('status', 'pending'), approvalWhere.eq('human', identity.human)), {
      latest: true,
    });
    const mine = pending.filter((r) => r.task_id === identity.taskId);
    const same = mine.find((r) => r.target_kind === target.kind && r.target_id === target.id);
    if (same) return same;
    if (mine.length >= limits.pendingRequestsPerTask)
      throw new QuotaExceeded(`this task already has ${mine.length} pending access requests (the limit); wait for an approver to decide them`);
    if (pending.length >= limits.pendingRequestsPerHuman)
      throw new QuotaExceeded(
        `${identity.human}'s tasks already have ${pending.length} pending access requests (the limit); wait for approvers to decide them`,
      );
    const row: ApprovalRow = {
      id: `apr_${randomUUID().slice(0, 8)}`,
      task_id: identity.taskId,
      human: identity.human,
      agent: identity.agent,
      run_id: identity.runId,
      target_kind: target.kind,
      target_id: target.id,
      reason,
      status: 'pending',
      requested_at: new Date().toISOString(),
      decided_by: null,
      decided_auth: null,
      decided_at: null,
      expires_at: null,
      deny_reason: null,
    };
    await this.approvals.add([row]);
    return row;
  }

  async listApprovals(status?: ApprovalRow['status']): Promise<ApprovalRow[]> {
    const rows = await this.approvals.rows(status ? approvalWhere.eq('status', status) : undefined, { latest: true });
    return rows.sort((a, b) => a.requested_at.localeCompare(b.requested_at));
  }

  async getApproval(id: string): Promise<ApprovalRow | undefined> {
    return (await this.listApprovals()).find((a) => a.id === id);
  }

  /** `mayApprove` is the policy's answer for this approver and target; self-approval is always refused. */
  async approve(id: string, approver: Actor, ttlSeconds: number, mayApprove: (row: ApprovalRow) => boolean): Promise<ApprovalRow> {
    const row = await this.pending(id);
    if (row.human === approver.human) throw new GovernanceError(`${approver.human} cannot approve their own request ${id}`);
    if (!mayApprove(row))
      throw new GovernanceError(`${approver.human} is not an approver for ${row.target_kind} "${row.target_id}" (see policy/approvals.csv)`);
    const now = new Date();
    const values = {
      status: 'approved' as const,
      decided_by: approver.human,
      decided_auth: approver.auth,
      decided_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    };
    await this.approvals.update(approvalWhere.eq('id', id), values);
    return { ...row, ...values };
  }

  async deny(id: string, approver: Actor, reason: string): Promise<ApprovalRow> {
    const row = await this.pending(id);
    const values = {
      status: 'denied' as const,
      decided_by: approver.human,
      decided_auth: approver.auth,
      decided_at: new Date().toISOString(),
      deny_reason: reason,
    };
    await this.approvals.update(approvalWhere.eq('id', id), values);
    return { ...row, ...values };
  }

  private async pending(id: string): Promise<ApprovalRow> {
    const row = await this.getApproval(id);
    if (!row) throw new GovernanceError(`no access request "${id}"; see \`clearance approvals list\``);
    if (row.status !== 'pending') throw new GovernanceError(`request ${id} is already ${row.status}`);
    return row;
  }

  /** Approved, unexpired approvals for exactly this task and human. */
  async liveApprovals(taskId: string, human: string, now = Date.now()): Promise<Approval[]> {
    const rows = await this.approvals.rows(
      approvalWhere.and(approvalWhere.eq('status', 'approved'), approvalWhere.eq('task_id', taskId), approvalWhere.eq('human', human)),
      { latest: true },
    );
    return rows
      .filter((r) => r.expires_at !== null && Date.parse(r.expires_at) > now)
      .map((r) => ({
        id: r.id,
        taskId: r.task_id,
        human: r.human,
        target: { kind: r.target_kind, id: r.target_id },
        approver: r.decided_by!,
        expiresAt: r.expires_at!,
      }));
  }

  // ---- tasks --------------------------------------------------------------------------------
  async recordTask(row: TaskRow): Promise<void> {
    await this.tasks.add([row]);
    this.taskCompactor?.committed();
  }

  async listTasks(): Promise<TaskRow[]> {
    return (await this.tasks.rows(undefined, { latest: true })).sort((a, b) => a.issued_at.localeCompare(b.issued_at));
  }

  async revokeTask(taskId: string, actor: Actor): Promise<TaskRow> {
    const task = (await this.listTasks()).find((t) => t.task_id === taskId);
    if (!task) throw new GovernanceError(`no task "${taskId}"; see \`clearance task list\``);
    const values = { revoked_at: new Date().toISOString(), revoked_by: actor.human };
    await this.tasks.update(taskWhere.eq('task_id', taskId), values);
    return { ...task, ...values };
  }

  async revokedTasks(): Promise<Set<string>> {
    return new Set((await this.tasks.rows(taskWhere.isNotNull('revoked_at'), { select: ['task_id'], latest: true })).map((r) => r.task_id));
  }
}
