import { ScimError } from './errors.js';

/** A parsed `filter=<attribute> eq "<value>"`: the one filter form IdPs send to find a resource. */
export interface EqFilter {
  attribute: string;
  value: string;
}

const EQ = /^\s*([A-Za-z][A-Za-z0-9]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/**
 * Parses an `eq` filter on one of `attributes` (compared case-insensitively by name, RFC 7644 §3.4.2.2);
 * anything else is refused with `invalidFilter` rather than ignored, so a client never mistakes an
 * unfiltered list for a match.
 */
export function parseEqFilter(filter: string | undefined, attributes: readonly string[]): EqFilter | null {
  if (filter === undefined) return null;
  const match = EQ.exec(filter);
  if (!match)
    throw new ScimError(
      400,
      `filter ${JSON.stringify(filter.slice(0, 200))}: only \`<attribute> eq "<value>"\` is supported, on ${attributes.join(' or ')}`,
      'invalidFilter',
    );
  const attribute = attributes.find((a) => a.toLowerCase() === match[1]!.toLowerCase());
  if (!attribute) throw new ScimError(400, `filter attribute "${match[1]}" is not supported; filter on ${attributes.join(' or ')}`, 'invalidFilter');
  let value: string;
  try {
    value = JSON.parse(`"${match[2]!}"`) as string;
  } catch {
    throw new ScimError(400, `filter value ${JSON.stringify(match[2])} is not a valid string literal`, 'invalidFilter');
  }
  return { attribute, value };
}
