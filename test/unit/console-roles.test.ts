import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsrfTokens } from '../../src/console/csrf.js';
import { consoleRoles, seesRequest } from '../../src/console/roles.js';
import type { ApprovalRow } from '../../src/governance/tables.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { REPO } from '../helpers/world.js';

let policy: PolicyEngine;
beforeAll(async () => {
  policy = await PolicyEngine.load(path.join(REPO, 'policy'));
});

const request = (human: string, targetId: string): ApprovalRow => ({
  id: 'apr_1',
  task_id: 'task_1',
  human,
  agent: 'claude-code',
  run_id: 'run_1',
  target_kind: 'class',
  target_id: targetId,
  reason: 'r',
  status: 'pending',
  requested_at: '2026-12-01T00:00:00Z',
  decided_by: null,
  decided_auth: null,
  decided_at: null,
  expires_at: null,
  deny_reason: null,
});

describe('console roles from the sample policy', () => {
  it('reads the owner, auditors and kill-switch owner from server.yaml', () => {
    expect(consoleRoles(policy, 'carol')).toEqual({ admin: true, auditor: true, killSwitch: true });
    expect(consoleRoles(policy, 'erin')).toEqual({ admin: false, auditor: true, killSwitch: false });
    expect(consoleRoles(policy, 'frank')).toEqual({ admin: false, auditor: false, killSwitch: true });
    expect(consoleRoles(policy, 'alice')).toEqual({ admin: false, auditor: false, killSwitch: false });
  });

  it("shows a request only to its target's approvers, never to its requester", () => {
    expect(seesRequest(policy, 'frank', request('alice', 'telemetry'))).toBe(true);
    expect(seesRequest(policy, 'erin', request('alice', 'telemetry'))).toBe(false);
    expect(seesRequest(policy, 'frank', request('frank', 'telemetry'))).toBe(false);
  });
});

describe('CSRF tokens', () => {
  it('accept only the token of the same binding and the same console instance', () => {
    const tokens = new CsrfTokens();
    const token = tokens.tokenFor('session-a');
    expect(tokens.check('session-a', token)).toBe(true);
    expect(tokens.check('session-b', token)).toBe(false);
    expect(tokens.check('session-a', undefined)).toBe(false);
    expect(tokens.check('', tokens.tokenFor(''))).toBe(false);
    expect(new CsrfTokens().check('session-a', token)).toBe(false);
  });
});
