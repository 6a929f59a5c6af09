import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRuntime } from '../../src/app/server.js';
import { openServer } from '../../src/app/server.js';
import { ingestCorpora } from '../../src/app/ingest.js';
import type { IngestReport } from '../../src/ingest/ingest.js';
import { EXPECT, writeFormatCorpus } from '../helpers/format-corpus.js';
import { makeDocx, makePdf } from '../helpers/formats.js';
import { connectAgent, tempWorld, type SearchResults } from '../helpers/world.js';

type Result = SearchResults['results'][number] & { heading: string };

/** A world whose only corpus is the mixed-format folder (and a folder of unusable files), ingested for real. */
let runtime: ServerRuntime;
let report: IngestReport;
beforeAll(async () => {
  const config = tempWorld();
  rmSync(config.corporaDir, { recursive: true });
  mkdirSync(config.corporaDir);
  await writeFormatCorpus(config.corporaDir);
  runtime = await openServer(config);
  report = await ingestCorpora(runtime.app);
});
afterAll(async () => runtime?.close());

async function search(human: string, query: string): Promise<Result[]> {
  const agent = await connectAgent(runtime, human, 'claude-code');
  try {
    const answer = await agent.call('search', { query, k: 5 });
    expect(answer.isError, answer.content[0]?.text).toBeFalsy();
    return (answer.structuredContent as { results: Result[] }).results;
  } finally {
    await agent.close();
  }
}

describe('real files of every format through MCP search', () => {
  it('ingests every format and reports each unusable file with its reason', () => {
    const source = report.sources.find((s) => s.source === 'formats')!;
    expect(source.error).toBeNull();
    const reasons = Object.fromEntries(source.skipped.map((s) => [s.path, s.reason]));
    expect(reasons['scan.pdf']).toMatch(/no text layer .*no OCR/);
    expect(reasons['broken.pdf']).toMatch(/not a readable PDF/);
    expect(reasons['unmapped.docx']).toMatch(/unknown sensitivity label "Secret Board"/);
  });

  for (const [format, want] of Object.entries(EXPECT).filter(([f]) => f !== 'attachment')) {
    it(`finds the ${format} phrase with its location in the citation and heading`, async () => {
      const results = await search('carol', want.phrase);
      const hit = results.find((r) => r.text.includes(want.phrase));
      expect(hit, `${format}: ${results.map((r) => r.citation.doc_id).join(', ')}`).toBeDefined();
      expect(hit!.citation.doc_id).toBe(want.docId);
      expect(hit!.heading).toBe(want.heading);
    });
  }

  it("a labelled attachment lands in its label's class: its message's readers outside it never get it", async () => {
    const { phrase, docId } = EXPECT.attachment;
    const carol = (await search('carol', phrase)).find((r) => r.citation.doc_id === docId);
    expect(carol).toMatchObject({ data_class: 'security', title: expect.stringContaining('[label: Confidential]') });
    // alice (engineering) reads the message itself, never its security-labelled attachment.
    const alice = await search('alice', phrase);
    expect(alice.map((r) => r.citation.doc_id)).toContain(EXPECT.eml.docId);
    expect(alice.some((r) => r.citation.doc_id.startsWith(docId) || r.text.includes(phrase))).toBe(false);
  });

  it("a message and its attachments are attributed to the message's sender", async () => {
    const agent = await connectAgent(runtime, 'carol', 'claude-code');
    try {
      for (const id of [EXPECT.eml.docId, EXPECT.attachment.docId]) {
        const answer = (await agent.call('fetch', { id })).structuredContent as { document: { author: string | null } | null };
        expect(answer.document?.author, id).toBe('"Frank" <frank@northwind.example>');
      }
    } finally {
      await agent.close();
    }
  });

  it('a CSV row whose ACL cell names a group is refused to readers of the file outside it', async () => {
    const alice = await search('alice', EXPECT.csv.phrase);
    expect(alice.some((r) => r.text.includes(EXPECT.csv.phrase))).toBe(false);
  });
});

describe('sensitivity labels on a DOCX (#20 item 4)', () => {
  it('a mapped label puts the document in the mapped class, refused to readers outside it; an unmapped one skips it naming the label', async () => {
    const config = tempWorld();
    rmSync(config.corporaDir, { recursive: true });
    const { msipLabel } = await import('../helpers/formats.js');
    const { CONFIDENTIAL, MANIFEST, UNMAPPED } = await import('../helpers/format-corpus.js');
    const dir = path.join(config.corporaDir, 'formats');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'corpus.yaml'), MANIFEST);
    writeFileSync(
      path.join(dir, 'labelled.docx'),
      await makeDocx('Merger plan', ['The walrus acquisition timeline is confidential.'], msipLabel(CONFIDENTIAL, 'Confidential')),
    );
    writeFileSync(path.join(dir, 'other.docx'), await makeDocx('Board minutes', ['The pelican budget vote passed.'], msipLabel(UNMAPPED, 'Secret Board')));
    const labelled = await openServer(config);
    try {
      const result = await ingestCorpora(labelled.app);
      expect(result.sources[0]!.skipped).toEqual([
        { path: 'other.docx', reason: expect.stringMatching(/unknown sensitivity label "Secret Board" \(a1b2c3d4-0000-4000-8000-0000000bad01\)/) },
      ]);
      const ask = async (human: string, query: string) => {
        const agent = await connectAgent(labelled, human, 'claude-code');
        try {
          return ((await agent.call('search', { query, k: 5 })).structuredContent as { results: Result[] }).results;
        } finally {
          await agent.close();
        }
      };
      const carol = await ask('carol', 'walrus acquisition timeline');
      expect(carol[0]).toMatchObject({ data_class: 'security', title: 'Merger plan [label: Confidential]', citation: { doc_id: 'formats/labelled.docx' } });
      expect(await ask('alice', 'walrus acquisition timeline')).toEqual([]);
      expect((await ask('carol', 'pelican budget vote')).some((r) => r.text.includes('pelican'))).toBe(false);
    } finally {
      await labelled.close();
    }
  });
});

describe('a store whose only folder held nothing usable (#20)', () => {
  it('answers "no results" to every search mode, and the report says the folder produced nothing', async () => {
    const config = tempWorld();
    rmSync(config.corporaDir, { recursive: true });
    const dir = path.join(config.corporaDir, 'scans');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'corpus.yaml'),
      'id: scans\ntitle: Scans\ndata_class: internal\nowner: group:engineering\nread_acl: [group:engineering]\nfreshness: { max_age_days: 30 }\ninclude: ["**/*"]\n',
    );
    writeFileSync(path.join(dir, 'scan.pdf'), await makePdf([[]]));
    writeFileSync(path.join(dir, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    const empty = await openServer(config);
    try {
      const result = await ingestCorpora(empty.app);
      expect(result.sources[0]!.skipped.at(-1)).toEqual({
        path: '.',
        reason: 'the folder source produced no documents: 2 item(s) found, none gave a document',
      });
      const agent = await connectAgent(empty, 'alice', 'claude-code');
      try {
        for (const mode of ['hybrid', 'vector', 'fts']) {
          const answer = await agent.call('search', { query: 'anything at all', mode });
          expect(answer.isError, answer.content[0]?.text).toBeFalsy();
          expect(answer.content[0]!.text).toBe('No permitted results for this query.');
        }
      } finally {
        await agent.close();
      }
    } finally {
      await empty.close();
    }
  });
});
