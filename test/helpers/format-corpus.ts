// One corpus folder holding a real file of every format (see formats.ts), shared by the parser and
// MCP tests: each file hides a phrase that only it contains, and where it hides it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDocx, makeEml, makeMbox, makePdf, makePptx, makeXlsx, msipLabel } from './formats.js';

export const CONFIDENTIAL = 'a1b2c3d4-0000-4000-8000-00000000c0f1';
export const UNMAPPED = 'a1b2c3d4-0000-4000-8000-0000000bad01';

/** phrase → the doc id (under the source) and heading a search for it must cite. */
export const EXPECT = {
  pdf: { phrase: 'quartzite ledger reconciliation window', docId: 'formats/handbook.pdf#page=2', heading: 'page 2' },
  docx: { phrase: 'marmoset rollout checklist approval', docId: 'formats/design.docx', heading: 'Design review' },
  pptx: { phrase: 'heliotrope capacity forecast', docId: 'formats/deck.pptx#slide=2', heading: 'slide 2: Capacity' },
  xlsx: { phrase: 'obsidian vendor escrow', docId: 'formats/risks.xlsx#sheet=Vendors&row=3', heading: 'sheet Vendors, row 3' },
  csv: { phrase: 'tamarind invoice dispute', docId: 'formats/tickets.csv#T-2', heading: 'row 3' },
  eml: { phrase: 'gondola failover drill', docId: 'formats/escalation.eml', heading: 'message: Failover drill' },
  mbox: { phrase: 'juniper certificate rotation', docId: 'formats/archive.mbox#message=2', heading: 'message 2: Certificate rotation' },
  attachment: { phrase: 'saffron penetration finding', docId: 'formats/escalation.eml#attachment=1', heading: 'Pentest summary' },
} as const;

export const MANIFEST = `id: formats
title: Mixed-format documents
data_class: internal
owner: group:engineering
read_acl: [group:engineering, group:security]
freshness: { max_age_days: 3650 }
include: ["**/*.pdf", "**/*.docx", "**/*.pptx", "**/*.xlsx", "**/*.csv", "**/*.eml", "**/*.mbox"]
csv:
  id_field: id
  text_field: [subject, body]
  title_field: subject
  acl_field: readers
sensitivity_labels:
  labels:
    - { id: ${CONFIDENTIAL}, name: Confidential, data_class: security }
`;

export async function writeFormatCorpus(corporaDir: string): Promise<string> {
  const dir = path.join(corporaDir, 'formats');
  mkdirSync(dir, { recursive: true });
  const put = (name: string, bytes: Buffer | string) => writeFileSync(path.join(dir, name), bytes);
  put('corpus.yaml', MANIFEST);
  put(
    'handbook.pdf',
    await makePdf(
      [
        ['Operations handbook', 'Page one is about onboarding.'],
        ['Finance', `The ${EXPECT.pdf.phrase} closes at noon.`],
      ],
      'Operations handbook',
    ),
  );
  put('scan.pdf', await makePdf([[]]));
  put('broken.pdf', (await makePdf([['truncated']])).subarray(0, 200));
  put('design.docx', await makeDocx('Design review', [`Before launch, complete the ${EXPECT.docx.phrase}.`]));
  put('unmapped.docx', await makeDocx('Board minutes', ['Text under a label nobody mapped.'], msipLabel(UNMAPPED, 'Secret Board')));
  put(
    'deck.pptx',
    await makePptx([
      { title: 'Roadmap', body: 'Quarterly themes.' },
      { title: 'Capacity', body: `The ${EXPECT.pptx.phrase} says two more racks.` },
    ]),
  );
  put(
    'risks.xlsx',
    await makeXlsx([
      {
        name: 'Summary',
        rows: [
          ['item', 'note'],
          ['total', 'four risks'],
        ],
      },
      {
        name: 'Vendors',
        rows: [
          ['vendor', 'risk'],
          ['Acme', 'late invoices'],
          ['Globex', `${EXPECT.xlsx.phrase} lapsed`],
        ],
      },
    ]),
  );
  put('tickets.csv', `id,subject,body,readers\nT-1,Login loop,User cannot log in after reset,\nT-2,Billing,"A ${EXPECT.csv.phrase} is open",group:security\n`);
  const pentest = await makeDocx('Pentest summary', [`The ${EXPECT.attachment.phrase} is rated high.`], msipLabel(CONFIDENTIAL, 'Confidential'));
  put(
    'escalation.eml',
    await makeEml({
      from: 'Frank <frank@northwind.example>',
      to: 'sre@northwind.example',
      subject: 'Failover drill',
      text: `Reminder: the ${EXPECT.eml.phrase} is on Friday.`,
      attachments: [
        { filename: 'pentest.docx', content: pentest },
        { filename: 'photo.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
      ],
    }),
  );
  put(
    'archive.mbox',
    await makeMbox([
      { from: 'alice@northwind.example', to: 'eng@northwind.example', subject: 'Standup', text: 'Nothing to report.' },
      { from: 'carol@northwind.example', to: 'eng@northwind.example', subject: 'Certificate rotation', text: `The ${EXPECT.mbox.phrase} happens next week.` },
    ]),
  );
  return dir;
}
