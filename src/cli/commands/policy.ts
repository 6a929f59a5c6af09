import type { Command } from 'commander';
import { explainDocument } from '../../admin/explain.js';
import { withApp } from '../../app/app.js';
import type { RuleLocation } from '../../policy/files.js';
import { PolicyEngine } from '../../policy/engine.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { registerPolicyVersions } from './policy-versions.js';

const where = (r?: RuleLocation) => (r ? `${r.file.split('/').pop()}:${r.line}  ${r.text}` : 'no rule matched (default deny)');
const yesNo = (allowed: boolean) => (allowed ? 'yes' : 'no');

export function registerPolicy(program: Command): void {
  const policyCmd = program.command('policy').description('the Casbin policy: the policy/ folder, and the versions published from it');
  registerPolicyVersions(policyCmd);
  policyCmd
    .command('check')
    .description('validate the policy files (errors name file, line and fix)')
    .option('--json', 'print the validated policy (folder, version, counts, warnings) as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const policy = await PolicyEngine.load(config.policyDir);
      if (opts.json)
        return printJson({
          policyDir: config.policyDir,
          valid: true,
          version: policy.version,
          humans: policy.knownHumans().length,
          agents: policy.knownAgents().length,
          classes: policy.classes.length,
          warnings: policy.warnings,
        });
      for (const warning of policy.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(
        `policy ${config.policyDir} is valid (version ${policy.version}): ${policy.knownHumans().length} humans, ${policy.knownAgents().length} agents, ${policy.classes.length} classes\n`,
      );
    });
  policyCmd
    .command('explain')
    .description('why a human, through an agent, may or may not read a document: each term of the intersection and the deciding policy line')
    .requiredOption('--as <human>', 'the human')
    .requiredOption('--agent <agent>', 'the agent workflow')
    .requiredOption('--doc <doc-id>', 'the document id, e.g. runbooks/prod-database.md')
    .option('--json', 'print every term, its deciding rule (file, line, text) and the decision as JSON')
    .action(async (opts: { as: string; agent: string; doc: string; json?: boolean }, command: Command) => {
      const e = await withApp(configFrom(command), (app) => explainDocument(app, { human: opts.as, agent: opts.agent, docId: opts.doc }));
      if (opts.json) return printJson({ request: { human: opts.as, agent: opts.agent, docId: opts.doc }, ...e });
      const lines = [
        `document ${e.docId}: class ${e.dataClass}, source ${e.source}, source ACL [${e.aclSource.join(', ')}], document ACL [${e.aclDoc.join(', ')}]`,
        `${opts.as}'s principals: ${e.principals.join(', ') || '(unknown human)'}`,
        `human  reads class ${e.dataClass}: ${e.human.access === 'read' ? 'yes' : e.human.access === 'approval' ? 'only with an approval for the task' : 'no'}  — ${where(e.human.rule)}`,
        `agent  uses class ${e.dataClass}: ${yesNo(e.agentClass.allowed)}  — ${where(e.agentClass.rule)}`,
        `agent  uses source ${e.source}: ${yesNo(e.agentSource.allowed)}  — ${where(e.agentSource.rule)}`,
        `source ACL: ${e.aclSourceMatches ? 'matches' : 'does not match'}`,
        `document ACL: ${e.aclDocMatches ? 'matches' : 'does not match'}`,
        `=> ${e.decision.allowed ? 'ALLOWED' : `DENIED by ${e.decision.deniedBy}`} (policy ${e.policyVersion}, ${e.liveSeq === null ? 'the policy folder: no version is published' : `the live published version v${e.liveSeq}`}; task scope and approvals: none in this check)`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
