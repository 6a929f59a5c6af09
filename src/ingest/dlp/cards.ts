import type { Span } from './finding.js';

/** The Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

// A run of digits with at most one space or dash between two digits, not touching other digits.
const DIGIT_RUN = /(?<![\d])\d(?:[ -]?\d)*(?![\d])/g;
const MIN = 13;
const MAX = 19;

/**
 * Payment card numbers: 13–19 digits, optionally grouped by single spaces or dashes, passing Luhn.
 * A longer run is tried group by group (a card followed by a year or a CVC in the same run), never by
 * cutting a group, so a long order number is not read as a card.
 */
export function findCardNumbers(text: string): Span[] {
  const spans: Span[] = [];
  for (const run of text.matchAll(DIGIT_RUN)) {
    const groups = [...run[0].matchAll(/\d+/g)].map((g) => ({ start: run.index + g.index, end: run.index + g.index + g[0].length, digits: g[0] }));
    let i = 0;
    while (i < groups.length) {
      const hit = longestCardFrom(groups, i);
      if (hit === null) i++;
      else {
        spans.push({ start: groups[i]!.start, end: groups[hit]!.end });
        i = hit + 1;
      }
    }
  }
  return spans;
}

/** The last group index j such that groups i..j form a Luhn-valid 13–19 digit number, or null. */
function longestCardFrom(groups: { digits: string }[], i: number): number | null {
  let digits = '';
  let best: number | null = null;
  for (let j = i; j < groups.length; j++) {
    digits += groups[j]!.digits;
    if (digits.length > MAX) break;
    if (digits.length >= MIN && luhnValid(digits)) best = j;
  }
  return best;
}
