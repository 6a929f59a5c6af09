import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ParsedDoc } from '../../src/ingest/document.js';
import { labelDocument } from '../../src/ingest/labels.js';
import type { CorpusManifest } from '../../src/ingest/manifest.js';
import { PolicyEngine } from '../../src/policy/engine.js';

// The directory is the minimal fixture policy: alice (engineering), sam (sre), gina (everyone only).
// Possible readers: public = everyone; internal = alice, sam; telemetry = sam + alice (approval); secret = nobody.
let policy: PolicyEngine;
beforeAll(async () => {
  policy = await PolicyEngine.load(path.resolve(import.meta.dirname, '../fixtures/policy/minimal'));
});

const manifest = (over: Partial<CorpusManifest> = {}): CorpusManifest => ({
  id: 'docs',
  title: 'Docs',
  data_class: 'internal',
  owner: 'group:engineering',
  read_acl: ['group:engineering', 'group:sre'],
  freshness: { max_age_days: 90 },
  include: ['**/*.md'],
  exclude: [],
  overrides: [],
  ...over,
});
const doc = (over: Partial<ParsedDoc> = {}): ParsedDoc => ({
  docId: 'docs/a.md',
  path: 'a.md',
  title: 'A',
  text: 'text',
  updatedAt: null,
  headings: [],
  ...over,
});

describe('labelDocument: a document inherits its source labels', () => {
  it("without front matter or overrides, the labels are the source's", () => {
    expect(labelDocument(manifest(), doc(), policy)).toEqual({
      dataClass: 'internal',
      aclSource: ['group:engineering', 'group:sre'],
      aclDoc: ['group:engineering', 'group:sre'],
      owner: 'group:engineering',
    });
  });

  it('returns copies: mutating the labels does not change the manifest', () => {
    const m = manifest();
    const labels = labelDocument(m, doc(), policy);
    labels.aclSource.push('*');
    labels.aclDoc.push('*');
    expect(m.read_acl).toEqual(['group:engineering', 'group:sre']);
  });
});

describe('labelDocument: front matter may narrow the ACL, never widen it', () => {
  it("narrows to a subset of the source ACL's people (a user or a smaller group)", () => {
    expect(labelDocument(manifest(), doc({ readAcl: ['user:alice'] }), policy)).toMatchObject({
      aclSource: ['group:engineering', 'group:sre'],
      aclDoc: ['user:alice'],
    });
    expect(labelDocument(manifest(), doc({ readAcl: ['group:sre'] }), policy).aclDoc).toEqual(['group:sre']);
    // The same people under a different name is not a widening.
    expect(labelDocument(manifest(), doc({ readAcl: ['user:alice', 'user:sam'] }), policy).aclDoc).toEqual(['user:alice', 'user:sam']);
  });

  it('refuses a widening ACL and names who it would add', () => {
    expect(() => labelDocument(manifest(), doc({ readAcl: ['*'] }), policy)).toThrow(
      "document read_acl [*] would widen access (to gina); a document may only narrow its source's ACL",
    );
    expect(() => labelDocument(manifest(), doc({ readAcl: ['user:alice', 'user:gina'] }), policy)).toThrow(/would widen access \(to gina\)/);
    expect(() => labelDocument(manifest({ read_acl: ['user:alice'] }), doc({ readAcl: ['group:sre'] }), policy)).toThrow(/would widen access \(to sam\)/);
  });

  it('a document cannot widen what an override already narrowed', () => {
    const m = manifest({ overrides: [{ path: 'private/**', read_acl: ['user:alice'] }] });
    expect(labelDocument(m, doc({ path: 'private/x.md' }), policy).aclDoc).toEqual(['user:alice']);
    expect(() => labelDocument(m, doc({ path: 'private/x.md', readAcl: ['group:sre'] }), policy)).toThrow(
      /^document read_acl \[group:sre\] would widen access \(to sam\)/,
    );
    // An override that does not match the path does not apply.
    expect(labelDocument(m, doc({ path: 'public/x.md', readAcl: ['group:sre'] }), policy).aclDoc).toEqual(['group:sre']);
    // Overrides match the file path, not a JSONL record's "#id" suffix.
    expect(labelDocument(m, doc({ path: 'private/x.jsonl#r1' }), policy).aclDoc).toEqual(['user:alice']);
  });

  it('an override that widens is refused and named', () => {
    const m = manifest({ overrides: [{ path: '**/*.md', read_acl: ['*'] }] });
    expect(() => labelDocument(m, doc(), policy)).toThrow(/^override "\*\*\/\*\.md" read_acl \[\*\] would widen access \(to gina\)/);
  });
});

describe('labelDocument: a class change must go to a class with a subset of possible readers', () => {
  it('narrows internal to telemetry or secret (fewer possible readers)', () => {
    expect(labelDocument(manifest(), doc({ dataClass: 'telemetry' }), policy).dataClass).toBe('telemetry');
    expect(labelDocument(manifest(), doc({ dataClass: 'secret' }), policy).dataClass).toBe('secret');
    expect(labelDocument(manifest(), doc({ dataClass: 'internal' }), policy).dataClass).toBe('internal');
  });

  it('refuses a widening class and names both classes', () => {
    expect(() => labelDocument(manifest(), doc({ dataClass: 'public' }), policy)).toThrow(
      'document data_class "public" would widen access: its readers are not a subset of "internal"\'s',
    );
    expect(() => labelDocument(manifest({ data_class: 'secret' }), doc({ dataClass: 'internal' }), policy)).toThrow(/data_class "internal" would widen access/);
  });

  it('compares against the class as already narrowed by an override', () => {
    const m = manifest({ overrides: [{ path: 'ops/**', data_class: 'secret' }] });
    expect(labelDocument(m, doc({ path: 'ops/x.md' }), policy).dataClass).toBe('secret');
    expect(() => labelDocument(m, doc({ path: 'ops/x.md', dataClass: 'telemetry' }), policy)).toThrow(
      /^document data_class "telemetry" would widen access: its readers are not a subset of "secret"'s/,
    );
  });

  it('ACL and class narrow together; either one widening refuses the document', () => {
    expect(labelDocument(manifest(), doc({ readAcl: ['user:sam'], dataClass: 'telemetry' }), policy)).toMatchObject({
      dataClass: 'telemetry',
      aclDoc: ['user:sam'],
    });
    expect(() => labelDocument(manifest(), doc({ readAcl: ['user:sam'], dataClass: 'public' }), policy)).toThrow(/data_class "public"/);
    expect(() => labelDocument(manifest(), doc({ readAcl: ['*'], dataClass: 'secret' }), policy)).toThrow(/read_acl/);
  });
});
