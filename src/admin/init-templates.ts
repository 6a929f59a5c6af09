/**
 * The files `clearance init` writes: a small organisation that works at once (one person, one group,
 * one agent, two classes, one corpus with one document), every file commented and pointing at its
 * reference page. The Casbin model is copied from the installed package (policy/model.conf).
 */

const ref = (page: string) => `docs/reference/${page}.md`;

/** `# yaml-language-server: $schema=…` for editors, when the installed package ships the schemas. */
export type SchemaHint = (name: string) => string;

export function configTemplate(hint: SchemaHint): string {
  return `${hint('config')}# Clearance configuration. Every key, type and default: ${ref('config')}
# Relative paths resolve against this file's folder, wherever clearance is started from.
# Order of precedence: defaults < this file < CLEARANCE_* environment variables < command-line flags.

# Clearance's own state: the store, the audit log and the signing keys.
home: ./.clearance
# The LanceDB store: a folder, or an object-store URI such as s3://bucket/prefix.
storeUri: ./.clearance/store
# Who may read what: people, groups, agents and data classes (${ref('policy-csv')}).
policyDir: ./policy
# Your documents: one folder per source, each with a corpus.yaml (${ref('corpus')}).
corporaDir: ./corpora
# The MCP resource URL: the audience of the task grants this server mints; its path is the HTTP endpoint.
resource: https://clearance.example.internal/mcp
# Where \`clearance serve --http\` listens.
httpHost: 127.0.0.1
httpPort: 8765
# The embedding model folder (all-MiniLM-L6-v2). Default: ../shared/models/all-MiniLM-L6-v2 next to this
# file or to the Clearance installation, else it is downloaded from the Hugging Face hub.
# modelDir: /path/to/all-MiniLM-L6-v2
`;
}

export const PEOPLE_CSV = `# People and their groups: g, user:<id>, group:<id>   (${ref('policy-csv')})
# A person is known to the policy only through such a line. Add your people here.
g, user:ada, group:staff
`;

export const CLASSES_CSV = `# Who reads each data class freely: p, <user|group>, class:<id>, read, allow
# Classes do not nest: each class lists its own readers.
p, group:staff, class:general, read, allow
p, user:ada, class:restricted, read, allow
`;

export const AGENTS_CSV = `# Agent workflows: what an agent identity may ever use, whoever it works for.
# p, agent:<id>, class:<id>, use, allow      data classes (class:* = every class)
# p, agent:<id>, source:<id>, use, allow     sources (source:* = every source)
# p, agent:<id>, method:<name>, call, allow  MCP tools
p, agent:assistant, class:general, use, allow
p, agent:assistant, class:restricted, use, allow
p, agent:assistant, source:*, use, allow
p, agent:assistant, method:search, call, allow
p, agent:assistant, method:fetch, call, allow
p, agent:assistant, method:list_sources, call, allow
p, agent:assistant, method:session_info, call, allow
p, agent:assistant, method:check_release, call, allow
`;

export function classesYaml(hint: SchemaHint): string {
  return `${hint('classes')}# The data-class catalogue (${ref('classes')}). Who reads each class is in classes.csv.
# stale: what search does with documents past their source's freshness: flag or exclude them.
# secrets: what ingest does with an API key, token, password or card number in a document:
#   redact it, flag it (keep and report) or refuse the document.
classes:
  - id: general
    rank: 0
    description: Material every member of staff may read.
    stale: flag
    secrets: redact
  - id: restricted
    rank: 1
    description: Material only named people may read.
    stale: exclude
    secrets: redact
`;
}

export function serverYaml(hint: SchemaHint, today: string): string {
  return `${hint('server')}# Static facts for the server review card, \`clearance card\` (${ref('server')}).
server_name: Clearance (my organisation)
business_purpose: Lets our agents answer questions from our documents without exceeding what their human may read.
human_owner: user:ada
kill_switch_owner: user:ada
retention: 400d
last_review: ${today}
review_interval_days: 90
forbidden:
  - Forwarding the task grant to any other service
`;
}

export function corpusYaml(hint: SchemaHint): string {
  return `${hint('corpus')}# One source: this folder. Every key: ${ref('corpus')}
# id must equal the folder name. Every principal in read_acl must stand for someone in the policy.
id: handbook
title: Staff handbook
data_class: general
owner: user:ada
read_acl: [group:staff]
# Documents older than this are stale (flagged or excluded, per their class).
freshness: { max_age_days: 365 }
include: ["**/*.md", "**/*.txt"]
exclude: []
# Narrower labels for some files (they may only narrow):
# overrides:
#   - path: "private/**"
#     read_acl: [user:ada]
#     data_class: restricted
`;
}

export function welcomeMd(today: string): string {
  return `---
# Front matter is optional (${ref('front-matter')}); read_acl and data_class here may only narrow.
title: Welcome to the handbook
updated: ${today}
---
# Welcome to the handbook

This is the first document of the handbook source. Replace it with your own documents: Markdown,
plain text, HTML or JSONL records. Run \`clearance doctor\` after every change to the policy or a
manifest, then \`clearance ingest\`.

## Holidays

Everyone gets 25 days of paid holiday a year; ask your manager before booking more than two weeks.
`;
}

export const EXPECTATIONS_YAML = `# Policy tests: what must hold, checked by \`clearance policy test\` and by \`clearance policy apply\`
# before a version is published. Add a line for every rule you care about. One statement per line:
#   <human> via <agent> can|cannot read <class>            (no approvals)
#   <human> via <agent> can read <class> with approval     (readable once an approver approves, for one task)
#   <human> via <agent> can|cannot read doc <doc-id>       (needs the store: document and source ACLs too)
#   <human> via <agent> can|cannot call <method>
#   <human> approves|does not approve <class>
expect:
  - ada via assistant can read general
  - ada via assistant can read restricted
  - ada via assistant can call search
  - ada via assistant cannot call request_access
`;

export const GITIGNORE = `# Clearance's state (store, audit log, signing keys): never commit it.
.clearance/
`;
