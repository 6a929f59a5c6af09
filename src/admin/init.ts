import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../config/package.js';
import {
  AGENTS_CSV,
  CLASSES_CSV,
  classesYaml,
  configTemplate,
  corpusYaml,
  GITIGNORE,
  PEOPLE_CSV,
  EXPECTATIONS_YAML,
  serverYaml,
  welcomeMd,
  type SchemaHint,
} from './init-templates.js';

export class InitError extends Error {
  override name = 'InitError';
}

export const InitResultSchema = z.object({
  dir: z.string(),
  configFile: z.string(),
  /** Written files, relative to dir. */
  files: z.array(z.string()),
});
export type InitResult = z.infer<typeof InitResultSchema>;

export const CONFIG_FILE = 'clearance.config.yaml';

/** Points editors at the published JSON Schema when the installed package ships it. */
function schemaHint(root: string): SchemaHint {
  return (name) => {
    const file = path.join(root, 'docs/reference/schemas', `${name}.schema.json`);
    return existsSync(file) ? `# yaml-language-server: $schema=${file}\n` : '';
  };
}

/**
 * Writes a working organisation into `dir`: config, policy (one person, one group, one agent, two
 * classes) with its policy tests, one corpus with a manifest and a document. Refuses a
 * folder that is not empty unless `force` (then same-named files are overwritten, others kept).
 */
export async function initProject(dir: string, options: { force?: boolean; now?: Date } = {}): Promise<InitResult> {
  const root = path.resolve(dir);
  const existing = existsSync(root) ? readdirSync(root) : [];
  if (existing.length > 0 && !options.force) {
    throw new InitError(
      `${root} is not empty (${existing.length} entries). Choose an empty or new folder, or pass --force to write the scaffold into it (files of the same names are overwritten).`,
    );
  }
  const model = await readFile(path.join(PACKAGE_ROOT, 'policy/model.conf'), 'utf8').catch(() => {
    throw new InitError(`${path.join(PACKAGE_ROOT, 'policy/model.conf')} is missing: the Clearance installation is incomplete. Reinstall it.`);
  });
  const today = (options.now ?? new Date()).toISOString().slice(0, 10);
  const hint = schemaHint(PACKAGE_ROOT);
  const files: [string, string][] = [
    [CONFIG_FILE, configTemplate(hint)],
    ['.gitignore', GITIGNORE],
    ['policy/model.conf', model],
    ['policy/people.csv', PEOPLE_CSV],
    ['policy/classes.csv', CLASSES_CSV],
    ['policy/agents.csv', AGENTS_CSV],
    ['policy/classes.yaml', classesYaml(hint)],
    ['policy/server.yaml', serverYaml(hint, today)],
    ['corpora/handbook/corpus.yaml', corpusYaml(hint)],
    ['corpora/handbook/welcome.md', welcomeMd(today)],
    ['policy/expectations.yaml', EXPECTATIONS_YAML],
  ];
  for (const [rel, text] of files) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return InitResultSchema.parse({ dir: root, configFile: path.join(root, CONFIG_FILE), files: files.map(([rel]) => rel) });
}
