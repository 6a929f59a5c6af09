import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempWorld } from '../helpers/world.js';

// Outside attack, finding 6. Each bad file sits next to a change that must still apply: a deletion
// in its own source, and the narrowing of a runbook in a source that holds a bad file too.
describe('Finding 6 — One bad file name aborts the whole ingest and blocks ACL narrowing elsewhere', () => {
  it('bad files are reported skips named escaped; deletions and narrowing apply; exit 2 says something was left out', async () => {
    const config = tempWorld();
    expect((await runCli(config, ['ingest'])).status).toBe(0);
    const explain = () => runCli(config, ['policy', 'explain', '--as', 'alice', '--agent', 'claude-code', '--doc', 'runbooks/config-rollback.md']);
    expect((await explain()).stdout).toMatch(/=> ALLOWED/);

    const publicDocs = path.join(config.corporaDir, 'public-docs');
    const runbooks = path.join(config.corporaDir, 'runbooks');
    writeFileSync(path.join(publicDocs, 'evil\nname.md'), '# Evil\nA document whose file name holds a newline.\n');
    symlinkSync('loop.md', path.join(publicDocs, 'loop.md'));
    mkdirSync(path.join(publicDocs, 'folder'));
    symlinkSync('folder', path.join(publicDocs, 'folder-link.md')); // a "file" that cannot be read as one
    writeFileSync(Buffer.concat([Buffer.from(`${publicDocs}/caf`), Buffer.from([0xe9]), Buffer.from('.md')]), '# Latin-1 name\nNot UTF-8.\n');
    rmSync(path.join(publicDocs, 'pricing-faq.md'));
    writeFileSync(path.join(runbooks, '\u001b[31mred\u202e.md'), '# Red\nA runbook whose name recolours the terminal.\n');
    const manifest = path.join(runbooks, 'corpus.yaml');
    writeFileSync(manifest, `${readFileSync(manifest, 'utf8')}  - path: "config-rollback.md"\n    read_acl: [group:sre]\n`);

    const ingest = await runCli(config, ['ingest']);
    expect(ingest.stderr).not.toMatch(/UnsafeLiteralError|control character/);
    expect(ingest.stderr).toContain('skipped public-docs/evil\\nname.md: unsafe name');
    expect(ingest.stderr).toContain('skipped public-docs/caf\\xe9.md: name is not valid UTF-8');
    expect(ingest.stderr).toContain('skipped public-docs/loop.md: symlink loop');
    expect(ingest.stderr).toContain('skipped public-docs/folder-link.md: not a regular file');
    expect(ingest.stderr).toContain('skipped runbooks/\\x1b[31mred\\u202e.md: unsafe name');
    for (const raw of ['\u001b', '\u202e', 'evil\nname']) expect(ingest.stderr + ingest.stdout).not.toContain(raw);
    expect(ingest.stdout).toMatch(/^public-docs .* ok$/m);
    expect(ingest.stdout).toMatch(/^runbooks .* ok$/m);
    expect(ingest.stderr).toMatch(/incomplete: 0 source\(s\) failed, 5 file\(s\) or record\(s\) skipped \(exit status 2\)/);
    expect(ingest.status).toBe(2);

    // The deletion in the source that holds bad files applied…
    const gone = await runCli(config, ['policy', 'explain', '--as', 'alice', '--agent', 'claude-code', '--doc', 'public-docs/pricing-faq.md']);
    expect(gone.stderr).toMatch(/no such document in the store/);
    // …and so did the narrowing: alice (engineering, not sre) may no longer read the runbook.
    const denied = await explain();
    expect(denied.stdout).toMatch(/document ACL \[group:sre\]/);
    expect(denied.stdout).toMatch(/=> DENIED/);
  });
});
