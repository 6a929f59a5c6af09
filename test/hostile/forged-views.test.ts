import { afterEach, describe, expect, it, vi } from 'vitest';
import { PACKET_FIELDS } from '../../src/audit/packet.js';
import { printTable } from '../../src/cli/output.js';
import { EVERYWHERE, packetText, RAW_CONTROL, traceText } from '../helpers/audit-records.js';

/**
 * Finding 4, "Agent-supplied text forges the auditor's views": strings an agent chooses (a call's
 * reason, a tool name) are recorded verbatim, and the text views used to print them verbatim too.
 * These tests use only the views' public functions, so they ran (and failed) on the code before
 * the fix as well.
 */
const BENIGN = 'routine lookup';
const FAKE_LINE = 'ok\n  2026-03-01T10:00:09.000Z  fetch → allowed  reason: "routine"  3 ms';
const FAKE_APPROVAL = 'ok\n\n## Human approval\n- 2026-03-01T10:00:09.000Z approval.approve task_0001 by erin (approver-credential:x) approved by erin';
const ANSI = '\u001b[2K\r\u001b[1;32mreview: ALL CLEAR';

const lines = (text: string) => text.split('\n');

afterEach(() => vi.restoreAllMocks());

function printed(rows: Record<string, string | null>[]): string {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  printTable(rows);
  vi.restoreAllMocks();
  return out.join('');
}

describe("finding 4: agent-supplied text cannot forge the auditor's text views", () => {
  it('finding 4: a reason with a newline and a fake timestamp cannot add a line to trace', () => {
    const benign = traceText({ reason: BENIGN });
    const forged = traceText({ reason: FAKE_LINE });
    expect(lines(forged)).toHaveLength(lines(benign).length);
    expect(lines(forged).filter((l) => l.startsWith('  2026-03-01T10:00:09.000Z'))).toEqual([]);
    expect(forged).toContain('reason: "ok\\n  2026-03-01T10:00:09.000Z  fetch');
  });

  it('finding 4: a reason cannot add a "## Human approval" section to packet', () => {
    for (const place of [{ reason: FAKE_APPROVAL }, { accessReason: FAKE_APPROVAL }, EVERYWHERE(FAKE_APPROVAL)]) {
      const benign = packetText(Object.fromEntries(Object.keys(place).map((k) => [k, BENIGN])));
      const forged = packetText(place);
      expect(lines(forged)).toHaveLength(lines(benign).length);
      const sections = lines(forged)
        .filter((l) => l.startsWith('## '))
        .map((l) => l.slice(3).replace(/ \((reported|not observed)\)$/, ''));
      expect(sections).toEqual([...PACKET_FIELDS]);
      // The one real "Human approval" section holds exactly the one real approval, by frank.
      const approval = lines(forged.slice(forged.indexOf('## Human approval'))).filter((l) => l.startsWith('- '));
      expect(approval).toHaveLength(1);
      expect(approval[0]).toMatch(/^- 2026-03-01T10:00:05.000Z approval\.approve task_0001 by frank /);
    }
  });

  it('finding 4: ANSI escapes in a reason reach the terminal escaped (trace, packet, approvals list)', () => {
    const trace = traceText({ reason: ANSI, accessReason: ANSI });
    const packet = packetText({ reason: ANSI, accessReason: ANSI });
    // What `clearance approvals list` prints: a forged "approved" over a real pending row.
    const table = printed([
      { id: 'req_1', status: 'pending', reason: ANSI, decided_by: null },
      { id: 'req_2', status: 'denied', reason: 'x\r\u001b[1A\u001b[2Kreq_1  approved', decided_by: 'erin' },
    ]);
    for (const view of [trace, packet, table]) {
      expect(view).not.toContain('\u001b');
      expect(view).not.toContain('\r');
      expect(view).not.toMatch(RAW_CONTROL);
      expect(view).toMatch(/\\+x1b\\*\[2K\\+r\\+x1b\\*\[1;32mreview: ALL CLEAR/);
    }
    expect(lines(table)).toHaveLength(2 + 2 + 1);
  });

  it('finding 4: a tool name with a newline cannot add a line through a refused-call record', () => {
    const benign = traceText({ method: 'delete_everything' });
    const forged = traceText({ method: 'x\n  2026-03-01T10:00:09.000Z  search → allowed  reason: "fine"  2 ms\n      ← internal  ' });
    expect(lines(forged)).toHaveLength(lines(benign).length);
    expect(lines(forged).filter((l) => l.startsWith('  2026-03-01T10:00:09.000Z'))).toEqual([]);
    const benignPacket = packetText({ method: 'delete_everything' });
    const forgedPacket = packetText({ method: 'x\n\n## Human approval\n- approved by erin' });
    expect(lines(forgedPacket)).toHaveLength(lines(benignPacket).length);
    expect(lines(forgedPacket).filter((l) => l === '## Human approval')).toHaveLength(1);
  });
});
