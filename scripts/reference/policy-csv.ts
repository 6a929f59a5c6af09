/** The policy CSV line shapes, from the patterns and lists src/policy/files.ts checks every line with. */
import { METHODS } from '../../src/identity/identity.js';
import { ACTS, OBJECT, SUBJECT } from '../../src/policy/files.js';

const SHAPES: [string, string, string][] = [
  [
    '`g, user:<id>, group:<id>`',
    'people.csv',
    'Puts a person into a group. A person is known to the policy only through such a line (by convention every person is in `group:everyone`).',
  ],
  ['`g, group:<id>, group:<id>`', 'people.csv', 'Nests a group in another: members of the first are members of the second.'],
  [
    '`p, user:<id>|group:<id>, class:<id>, read, allow`',
    'classes.csv',
    'Who reads a data class freely. Classes do not nest: each class lists its own readers.',
  ],
  ['`p, user:<id>|group:<id>, source:<id>, read, allow`', 'any', 'Reads a gated source without an approval.'],
  [
    '`p, user:<id>|group:<id>, class:<id>|source:<id>, read_with_approval, allow`',
    'approvals.csv',
    'Reads a class (or a source) only with an approval for the task, given by an approver.',
  ],
  ['`p, user:<id>|group:<id>, class:<id>|source:<id>, approve, allow`', 'approvals.csv', 'Who may approve such reads (never their own request).'],
  ['`p, agent:<id>, class:<id>, use, allow`', 'agents.csv', 'Data classes an agent workflow may ever handle (`class:*`: every class).'],
  ['`p, agent:<id>, source:<id>, use, allow`', 'agents.csv', 'Sources an agent workflow may ever reach (`source:*`: every source).'],
  ['`p, agent:<id>, method:<name>, call, allow`', 'agents.csv', `MCP tools an agent workflow may call: ${METHODS.map((m) => `\`${m}\``).join(', ')}.`],
  ['`p, <subject>, <object>, <act>, deny`', 'any', 'A deny line wins over every allow line that matches the same request.'],
];

export function policyCsvPage(): string {
  return [
    '# Policy CSV lines (`policy/*.csv`)',
    '',
    'The policy folder holds the Casbin model (`model.conf`), any number of `*.csv` files, [classes.yaml](classes.md) and [server.yaml](server.md).',
    'The file names are a convention: every `*.csv` is read, in name order, and the policy version is a hash over every file.',
    'A line is a membership (`g`), a rule (`p`), a comment (`#`) or empty; anything else is an error naming the file, line and the expected shape.',
    'Humans and agents are known to the policy only through these lines: a task grant for anyone else is refused.',
    '',
    'Shapes, source: src/policy/files.ts (`parseCsvLine`).',
    '',
    '| line | usually in | meaning |',
    '| --- | --- | --- |',
    ...SHAPES.map((cols) => `| ${cols.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
    '',
    '## Fields',
    '',
    '| field | values |',
    '| --- | --- |',
    `| subject | \`${SUBJECT.source.replace(/\|/g, '\\|')}\` (\`user:\`, \`group:\` or \`agent:\`; \`*\` is a wildcard) |`,
    `| object | \`${OBJECT.source.replace(/\|/g, '\\|')}\` (\`class:\`, \`source:\` or \`method:\`; \`*\` is a wildcard, e.g. \`source:*\`) |`,
    `| act | ${ACTS.map((a) => `\`${a}\``).join(', ')} (\`read\`, \`read_with_approval\`, \`approve\`: people and groups; \`use\`, \`call\`: agents) |`,
    '| effect | `allow` or `deny` |',
    '',
    'Ids use lower-case letters, digits, `_`, `.` or `-` (at most 64). `clearance policy check` validates the folder; `clearance doctor` also checks every manifest against it.',
    '',
    '## Example',
    '',
    '```csv',
    'g, user:alice, group:everyone',
    'g, user:alice, group:engineering',
    'p, group:engineering, class:internal, read, allow',
    'p, agent:claude-code, class:internal, use, allow',
    'p, agent:claude-code, source:*, use, allow',
    'p, agent:claude-code, method:search, call, allow',
    '```',
    '',
  ].join('\n');
}
