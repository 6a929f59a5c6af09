import type { z } from 'zod';

/** One line per problem: where, which field, what is wrong, and how to fix it. */
export function formatZodError(error: z.ZodError, where: string): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  - ${field}: ${issue.message}${hintFor(issue)}`;
  });
  return `${where}: invalid\n${lines.join('\n')}`;
}

function hintFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return ' (remove it or check its spelling)';
    case 'invalid_type':
      return issue.input === undefined ? ' (add this field)' : '';
    default:
      return '';
  }
}
