import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { ConfigSchema, ENV_KEYS } from '../../src/config/config.js';

/**
 * Help texts name only what exists. The test walks the real command tree (the one main.ts parses)
 * and reads the texts `--help` prints — each command's description and its options' and arguments'
 * descriptions, before commander wraps them to the terminal — and checks every citation in them:
 * a file, a `clearance …` command, an option, an environment variable or a config key.
 */

const REPO = path.resolve(import.meta.dirname, '../..');

/**
 * Leaf commands without --json, and why. (`console` itself is a web server too, printing its address
 * on stderr; its `console credential` has --json.)
 */
const NO_JSON = new Map([['serve', 'a server: stdout is the MCP stdio transport, logs go to stderr']]);

/** Environment variables the code reads: the config mapping, every `process.env.CLEARANCE_…` and every `…_ENV = 'CLEARANCE_…'` constant in src/. */
function knownEnv(): Set<string> {
  const names = new Set<string>(Object.keys(ENV_KEYS));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts')) for (const m of readFileSync(file, 'utf8').matchAll(/(?:process\.env\.|_ENV = ')(CLEARANCE_[A-Z_]+)/g)) names.add(m[1]!);
    }
  };
  walk(path.join(REPO, 'src'));
  return names;
}

const ENV = knownEnv();
const CONFIG_KEYS = new Set(Object.keys(ConfigSchema.shape));

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function everyCommand(root: Command): Command[] {
  return [root, ...root.commands.flatMap(everyCommand)];
}

/** The long option names a command accepts: its own and its ancestors' (global) ones. */
function optionsOf(command: Command): Set<string> {
  const names = new Set<string>(['--help', '--version']);
  for (let c: Command | null = command; c; c = c.parent) for (const o of c.options) if (o.long) names.add(o.long);
  return names;
}

/** The command a word sequence names from the root, or null. */
function resolve(root: Command, words: string[]): Command | null {
  let at: Command | undefined = root;
  for (const word of words) at = at?.commands.find((c) => c.name() === word || c.aliases().includes(word));
  return at ?? null;
}

/** The texts `--help` prints for one command, each with where it comes from. */
function helpTexts(command: Command): { where: string; text: string }[] {
  const name = commandPath(command) || 'clearance';
  return [
    { where: `${name}: description`, text: command.description() },
    ...command.options.map((o) => ({ where: `${name} ${o.flags}`, text: o.description })),
    ...command.registeredArguments.map((a) => ({ where: `${name} <${a.name()}>`, text: a.description })),
  ].filter((t) => t.text);
}

const FILE = /(?<![\w/.<-])(\.\/)?((?:[\w.-]+\/)*[\w-]+(?:\.[\w-]+)*\.(?:md|csv|yaml|yml|json|jsonl|conf))\b(?!>)/g;

/** Every citation in `text` that names nothing in this repository or command tree (empty: all exist). */
function missingCitations(root: Command, command: Command, text: string): string[] {
  const missing: string[] = [];
  // Placeholders (`<run-report.json>`) name the user's own things.
  const plainText = text.replace(/<[^>]*>/g, '<>');
  const outsideCode = plainText.replace(/`[^`]*`/g, '``');
  for (const [, code] of plainText.matchAll(/`([^`]+)`/g)) {
    const words = code!.trim().split(/\s+/);
    if (words[0] === 'clearance') words.shift();
    const commandWords: string[] = [];
    for (const word of words) {
      if (!/^[a-z][a-z-]*$/.test(word)) break;
      commandWords.push(word);
    }
    if (commandWords.length === 0) continue;
    const cited = resolve(root, commandWords);
    if (!cited) {
      missing.push(`command \`clearance ${commandWords.join(' ')}\``);
      continue;
    }
    for (const option of words.filter((w) => w.startsWith('--')))
      if (!optionsOf(cited).has(option)) missing.push(`option ${option} of \`clearance ${commandWords.join(' ')}\``);
  }
  const ownOptions = new Set([...optionsOf(command), ...command.commands.flatMap((c) => c.options.map((o) => o.long ?? ''))]);
  for (const [option] of outsideCode.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) if (!ownOptions.has(option)) missing.push(`option ${option}`);
  for (const [, relative, file] of plainText.matchAll(FILE)) {
    // `./x` names a default location in the user's working folder, not a file of this repository.
    if (relative) continue;
    if (!['.', 'policy', 'corpora'].some((dir) => existsSync(path.join(REPO, dir, file!)))) missing.push(`file ${file}`);
  }
  for (const [name] of plainText.matchAll(/\bCLEARANCE_[A-Z_]*[A-Z]\b/g)) if (!ENV.has(name)) missing.push(`environment variable ${name}`);
  for (const [key] of outsideCode.matchAll(/\b[a-z]+(?:[A-Z][a-z0-9]*)+\b/g)) if (!CONFIG_KEYS.has(key)) missing.push(`config key ${key}`);
  return missing;
}

describe('clearance --help names only what exists', () => {
  const program = buildProgram();
  const commands = everyCommand(program);

  it('walks the whole tree', () => {
    const names = commands.map(commandPath);
    for (const expected of [
      'init',
      'doctor',
      'ingest',
      'task start',
      'serve',
      'kill',
      'approvals approve',
      'trace',
      'packet',
      'runs',
      'policy explain',
      'console credential',
    ])
      expect(names).toContain(expected);
    expect(commands.length).toBeGreaterThan(30);
  });

  it('every file, command, option, environment variable and config key a help text cites exists', () => {
    const problems = commands.flatMap((command) =>
      helpTexts(command).flatMap(({ where, text }) => missingCitations(program, command, text).map((m) => `${where}: ${m}`)),
    );
    expect(problems).toEqual([]);
  });

  it('every command says what it does, and --help prints it', () => {
    for (const command of commands) {
      expect(command.description(), `${commandPath(command)} has no description`).not.toBe('');
      expect(command.helpInformation()).toContain(command.description().slice(0, 40));
    }
  });

  it('every command that prints a result has --json (servers excepted, with the reason)', () => {
    const leaves = commands.filter((c) => c.commands.length === 0 && c !== program);
    const without = leaves.filter((c) => !c.options.some((o) => o.long === '--json')).map(commandPath);
    expect(without.sort()).toEqual([...NO_JSON.keys()].sort());
  });

  it('the check can fail: a made-up file, command, option, variable and key are each reported', () => {
    const fake = new Command('fake').option('--real', 'exists');
    const text =
      'see docs/no-such-page.md and policy/agents.csv; run `clearance no-such-command`, `clearance ingest --no-such-flag` and `clearance ingest --watch`; ' +
      'pass --real or --missing; set CLEARANCE_NO_SUCH_VAR or CLEARANCE_HOME; config noSuchKey or policyDir; default ./clearance.config.yaml; read <report.json>';
    expect(missingCitations(program, fake, text).sort()).toEqual(
      [
        'file docs/no-such-page.md',
        'command `clearance no-such-command`',
        'option --no-such-flag of `clearance ingest`',
        'option --missing',
        'environment variable CLEARANCE_NO_SUCH_VAR',
        'config key noSuchKey',
      ].sort(),
    );
  });
});
