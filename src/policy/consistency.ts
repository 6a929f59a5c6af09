import { METHODS } from '../identity/identity.js';
import type { PolicyDirectory } from './directory.js';
import type { PolicyFiles } from './files.js';

/**
 * What Casbin cannot check. Errors make a policy unsafe to serve (a rule naming an unknown class or
 * method means the author meant something the engine cannot do). Warnings never block: an empty
 * group, a rule for a person who left, an agent with no workflow are what a revocation looks like,
 * and a revocation must always be appliable.
 */
export function consistencyProblems(files: PolicyFiles, directory: PolicyDirectory, agentMethodCount: (agent: string) => number): { errors: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const classes = new Set(files.classes.map((c) => c.id));
  const groupsWithMembers = directory.groupsWithMembers();
  for (const rule of files.rules) {
    const where = `${rule.at.file}:${rule.at.line}`;
    for (const value of rule.values) {
      if (value.startsWith('class:') && value !== 'class:*' && !classes.has(value.slice(6))) {
        problems.push(`${where}: unknown data class "${value.slice(6)}"; add it to classes.yaml or fix the name`);
      }
      if (value.startsWith('method:') && value !== 'method:*' && !(METHODS as readonly string[]).includes(value.slice(7))) {
        problems.push(`${where}: unknown method "${value.slice(7)}"; methods are ${METHODS.join(', ')}`);
      }
    }
    const subject = rule.values[0]!;
    if (rule.ptype === 'p' && subject.startsWith('group:') && !groupsWithMembers.has(subject)) {
      warnings.push(`${where}: group "${subject.slice(6)}" has no members; add \`g, user:<id>, ${subject}\` to people.csv or remove the rule`);
    }
    if (rule.ptype === 'p' && subject.startsWith('user:') && !directory.isHuman(subject.slice(5))) {
      warnings.push(`${where}: "${subject}" is not a known human; add \`g, ${subject}, group:everyone\` to people.csv`);
    }
  }
  for (const agent of directory.knownAgents()) {
    const uses = files.rules.some((r) => r.values[0] === `agent:${agent}` && r.values[2] === 'use' && r.values[1]!.startsWith('class:'));
    if (!uses || agentMethodCount(agent) === 0) warnings.push(`agent "${agent}" has no workflow: give it at least one \`use\` of a class and one \`call\` of a method in agents.csv`);
  }
  return { errors: problems, warnings };
}
