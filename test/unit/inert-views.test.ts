import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKET_FIELDS } from '../../src/audit/packet.js';
import { formatTable } from '../../src/cli/output.js';
import { CARD_FIELDS, formatCard, type CardField } from '../../src/governance/card.js';
import { inertLine, inertMarkdown, plain } from '../../src/views/inert.js';
import { EVERYWHERE, linesThatDifferWithoutCarrying, packetText, RAW_CONTROL, traceText, type Placement } from '../helpers/audit-records.js';

const MARKER = 'benign words';

/** Strings that have forged views before, or that a terminal or a Markdown renderer treats as structure. */
const HAND_PICKED = [
  'ok\n  2026-03-01T10:00:09.000Z  fetch → allowed  reason: "routine"  3 ms',
  'ok\n\n## Human approval\n- 2026-03-01T10:00:09.000Z approval.approve task_0001 approved by erin',
  '\u001b[2K\r\u001b[1;32mreview: ALL CLEAR',
  '\r',
  '\n',
  '\r\n',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u009b2K',
  '\u001b]8;;http://x\u0007click\u001b]8;;\u0007',
  '\u202edeied\u202c',
  '\u2066x\u2069',
  '|',
  '| a | b |',
  '## ',
  '# x',
  '> quote',
  '- item',
  '1. item',
  '    code',
  '***',
  '---',
  '===',
  '`code`',
  '*bold* _em_ ~~s~~',
  '[link](http://x) ![img](http://x)',
  '<script>alert(1)</script>',
  '&#10;&lt;br&gt;',
  '\\',
  '\\n',
  '\ud800',
  '\t',
  '\u0000\u0007\b\u007f',
];

/** Arbitrary strings, biased towards the characters that matter, with any code point in between. */
const hostileString = fc.oneof(
  fc.constantFrom(...HAND_PICKED),
  fc.string({
    unit: fc.oneof(
      fc.constantFrom(
        '\n',
        '\r',
        '\t',
        '\u001b',
        '[',
        '\u0007',
        '\u2028',
        '\u2029',
        '\u202e',
        '\u0085',
        '|',
        '#',
        '`',
        '<',
        '>',
        '*',
        '_',
        '\\',
        '-',
        ' ',
        '&',
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 40,
  }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

const PLACES: (keyof Placement)[] = ['purpose', 'reason', 'query', 'docId', 'method', 'accessReason', 'error', 'approvalDetail', 'reported'];
const placement = fc.oneof(
  fc.constant(EVERYWHERE),
  fc.constantFrom(...PLACES).map((place) => (text: string): Placement => ({ ...EVERYWHERE(MARKER), [place]: text })),
);

/** A character of Markdown syntax that is not backslash-escaped, or a line-start marker: null if none. */
function unescapedMarkdown(text: string): string | null {
  const body = text.replace(/^(&#32;)*/, '');
  if (/^[-+=]|^\d+[.)]/.test(body)) return body.slice(0, 3);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if ('`*[]<>#|~&'.includes(ch)) return ch;
    if (ch === '_' && !(/[A-Za-z0-9]/.test(body[i - 1] ?? '') && /[A-Za-z0-9]/.test(body[i + 1] ?? ''))) return ch;
  }
  return null;
}

const headings = (markdown: string) => markdown.split('\n').filter((l) => l.startsWith('#'));

describe("inert views: agent- and document-supplied text cannot change a view's structure", () => {
  it('inertLine: one line, no control, escape or bidi character, and idempotent', () => {
    fc.assert(
      fc.property(hostileString, (text) => {
        const out = inertLine(text);
        expect(out).not.toMatch(RAW_CONTROL);
        expect(out).not.toContain('\n');
        expect(inertLine(out)).toBe(out);
        expect(plain`a ${text} b`).toBe(`a ${out} b`);
      }),
      { numRuns: 2000 },
    );
    expect(inertLine('a\nb\r\tc\u001b[1m\u2028\u202e\u0085\u007f')).toBe('a\\nb\\r\\tc\\x1b[1m\\u2028\\u202e\\x85\\x7f');
    // Literal parts of a `plain` template are ours (their newlines stay); only values are escaped.
    expect(plain`[1] ${'title\n[2] forged'}\n    ${'\u001b[2Kbody'}\n`).toBe('[1] title\\n[2] forged\n    \\x1b[2Kbody\n');
    expect(inertLine('plain text, C:\\path, "quotes", ünïcødé 日本語 👍')).toBe('plain text, C:\\path, "quotes", ünïcødé 日本語 👍');
  });

  it('inertMarkdown: also no unescaped Markdown or HTML syntax, and readable identifiers stay readable', () => {
    fc.assert(
      fc.property(hostileString, (text) => {
        const out = inertMarkdown(text);
        expect(out).not.toMatch(RAW_CONTROL);
        expect(out).not.toContain('\n');
        expect(unescapedMarkdown(out)).toBeNull();
      }),
      { numRuns: 2000 },
    );
    expect(inertMarkdown('## Human approval')).toBe('\\#\\# Human approval');
    expect(inertMarkdown('check_release via list_sources')).toBe('check_release via list_sources');
    expect(inertMarkdown('<script>')).toBe('\\<script\\>');
  });

  it('formatTrace: same lines as with a benign string, only the carrying lines differ, nothing raw reaches the terminal', () => {
    fc.assert(
      fc.property(hostileString, placement, (text, place) => {
        const benign = traceText(place(MARKER));
        const hostile = traceText(place(text));
        expect(hostile.split('\n')).toHaveLength(benign.split('\n').length);
        expect(hostile).not.toMatch(RAW_CONTROL);
        expect(linesThatDifferWithoutCarrying(benign, hostile, MARKER)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('formatPacket: same lines, the same sections in the same order, every value one inert list item', () => {
    const expected = [
      '# Review packet: run run_0001',
      ...PACKET_FIELDS.map(
        (f) =>
          `## ${f}${['Commands run', 'Files changed'].includes(f) ? ' (reported)' : ['Tests passed', 'Tests failed or skipped'].includes(f) ? ' (not observed)' : ''}`,
      ),
    ];
    expect(headings(packetText(EVERYWHERE(MARKER)))).toEqual(expected);
    fc.assert(
      fc.property(hostileString, placement, (text, place) => {
        const benign = packetText(place(MARKER));
        const hostile = packetText(place(text));
        expect(hostile.split('\n')).toHaveLength(benign.split('\n').length);
        expect(headings(hostile)).toEqual(expected);
        expect(hostile).not.toMatch(RAW_CONTROL);
        expect(linesThatDifferWithoutCarrying(benign, hostile, MARKER)).toEqual([]);
        for (const line of hostile.split('\n')) {
          if (line === '' || line.startsWith('#')) continue;
          expect(line.startsWith('- ')).toBe(true);
          expect(unescapedMarkdown(line.slice(2))).toBeNull();
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("printTable: a cell with a newline, CR or ESC keeps the table's line count and columns", () => {
    fc.assert(
      fc.property(fc.array(hostileString, { minLength: 1, maxLength: 5 }), (texts) => {
        const rows = texts.map((t, i) => ({ id: `req_${i}`, status: 'pending', reason: t, decided_by: null }));
        const out = formatTable(rows);
        const lines = out.split('\n');
        expect(lines.pop()).toBe('');
        expect(lines).toHaveLength(rows.length + 2);
        expect(out).not.toMatch(RAW_CONTROL);
        lines.slice(2).forEach((line, i) => expect(line.startsWith(`req_${i} `)).toBe(true));
        // The status column starts at the same offset on every row.
        const at = lines[0]!.indexOf('status');
        lines.slice(2).forEach((line) => expect(line.slice(at, at + 7)).toBe('pending'));
      }),
      { numRuns: 1000 },
    );
  });

  it('formatCard: a value or warning with a pipe or a newline stays in its own cell of its own row', () => {
    fc.assert(
      fc.property(hostileString, (text) => {
        const card: CardField[] = CARD_FIELDS.map((field) => ({ field, value: [text, 'second'], warning: field === 'Last review date' ? text : undefined }));
        const lines = formatCard(card).split('\n');
        expect(lines).toHaveLength(CARD_FIELDS.length + 5);
        expect(lines.join('\n')).not.toMatch(RAW_CONTROL);
        // Each row has exactly three unescaped pipes: | field | value |
        for (const row of lines.slice(4, 4 + CARD_FIELDS.length)) expect(row.replace(/\\./g, '').split('|')).toHaveLength(4);
      }),
      { numRuns: 500 },
    );
  });
});
