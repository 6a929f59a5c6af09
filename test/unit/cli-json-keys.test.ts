import { describe, expect, it } from 'vitest';
import { snakeCase, toJson } from '../../src/cli/json.js';

describe('CLI JSON keys are snake_case (src/cli/json.ts)', () => {
  it('rewrites lowerCamel keys at any depth and leaves values alone', () => {
    const out = JSON.parse(
      toJson({
        docsEmbedded: 2,
        sources: [{ dataClass: 'internal', changes: [{ readAcl: ['group:sre'] }], note: 'tableVersion stays a value' }],
        timings: { embedMs: 1.5 },
        at: new Date('2026-12-01T09:00:00Z'),
        nothing: null,
      }),
    ) as unknown;
    expect(out).toEqual({
      docs_embedded: 2,
      sources: [{ data_class: 'internal', changes: [{ read_acl: ['group:sre'] }], note: 'tableVersion stays a value' }],
      timings: { embed_ms: 1.5 },
      at: '2026-12-01T09:00:00.000Z',
      nothing: null,
    });
  });

  it('keeps keys that are names of things: environment variables, snake_case, single words', () => {
    expect(JSON.parse(toJson({ env: { CLEARANCE_TASK_TOKEN: 't', CLEARANCE_HOME: '/h' }, run_id: 'r', ok: true }))).toEqual({
      env: { CLEARANCE_TASK_TOKEN: 't', CLEARANCE_HOME: '/h' },
      run_id: 'r',
      ok: true,
    });
    expect(['ttlSeconds', 'p95Ms', 'x', 'URL', 'already_snake', 'Title'].map(snakeCase)).toEqual([
      'ttl_seconds',
      'p95_ms',
      'x',
      'URL',
      'already_snake',
      'Title',
    ]);
  });

  it('indents by default and writes one line for JSON Lines streams', () => {
    expect(toJson({ tableVersion: 1 })).toBe('{\n  "table_version": 1\n}');
    expect(toJson({ tableVersion: 1 }, { oneLine: true })).toBe('{"table_version":1}');
  });
});
