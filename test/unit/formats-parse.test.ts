import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/ingest/manifest.js';
import { parseSource } from '../../src/ingest/parse/index.js';
import { EXPECT, writeFormatCorpus } from '../helpers/format-corpus.js';

const CLASSES = new Set(['public', 'internal', 'security']);

describe('binary and record formats parse to located documents', () => {
  it('finds each phrase at its page, slide, sheet/row, row, message or attachment, and reports the rest', async () => {
    const dir = await writeFormatCorpus(mkdtempSync(path.join(tmpdir(), 'clearance-formats-')));
    const { docs, skips } = await parseSource(dir, await loadManifest(dir, CLASSES));
    for (const [format, want] of Object.entries(EXPECT)) {
      const doc = docs.find((d) => d.text.includes(want.phrase));
      expect(doc, format).toBeDefined();
      expect(`formats/${doc!.docId.slice('formats/'.length)}`, format).toBe(want.docId);
      expect(doc!.headings[0]?.text, format).toBe(want.heading);
    }
    const mail = docs.find((d) => d.docId === 'formats/escalation.eml')!;
    expect(mail.text).toMatch(
      /^From: "Frank" <frank@northwind\.example>\nTo: sre@northwind\.example\nDate: 2027-02-01T10:00:00\.000Z\nSubject: Failover drill/,
    );
    const attachment = docs.find((d) => d.docId === EXPECT.attachment.docId)!;
    expect(attachment).toMatchObject({ dataClass: 'security', title: 'Pentest summary [label: Confidential]' });
    expect(docs.find((d) => d.docId === 'formats/tickets.csv#T-2')).toMatchObject({ readAcl: ['group:security'], path: 'tickets.csv#row=3' });
    const reasons = Object.fromEntries(skips.map((s) => [s.path, s.reason]));
    expect(reasons['scan.pdf']).toMatch(/no text layer.*no OCR/);
    expect(reasons['broken.pdf']).toMatch(/not a readable PDF/);
    expect(reasons['unmapped.docx']).toMatch(/unknown sensitivity label "Secret Board" \(a1b2c3d4-0000-4000-8000-0000000bad01\)/);
    expect(reasons['escalation.eml#attachment=2']).toMatch(/photo\.png.*unsupported format \(\.png\)/);
    expect(docs.some((d) => d.path.startsWith('unmapped.docx'))).toBe(false);
  });
});
