/**
 * Making untrusted text inert before a human reads it.
 *
 * Audit views (`clearance trace`, `packet`, `approvals list`, the review card…) print strings that
 * an agent or a document chose: a call's `reason`, a tool name, query text, titles, doc ids. The
 * JSON outputs carry them verbatim and safely; the text views must not let them change the view's
 * STRUCTURE: start a new line (a forged timeline entry), move the cursor or recolour the terminal
 * (a forged "approved" row over a real one), reorder what is displayed (bidi overrides), or open a
 * Markdown heading, table cell, link or HTML element (a forged packet section).
 *
 * The rule is the same everywhere: every such character is shown as a visible escape (`\n`,
 * `\x1b`, `\u202e`), never dropped, so the auditor sees that the agent tried something, and what.
 *
 * Backslashes are deliberately NOT doubled in plain text: a literal `\n` typed by the agent stays
 * two harmless printable characters (the view cannot be forged with printable text), and paths and
 * JSON keep their usual look. In Markdown they are doubled, because there a backslash is syntax.
 */

/**
 * Characters that can change what a terminal or a plain-text reader shows beyond their own cell:
 * - U+0000–U+001F (C0): LF, CR, VT, FF start or overwrite lines; TAB shifts columns; ESC (U+001B)
 *   introduces every ANSI sequence: CSI (`ESC [` colours, cursor moves, "erase line"), OSC
 *   (`ESC ]` window titles, hyperlinks `ESC ]8;;url BEL`), so escaping ESC alone makes the whole
 *   sequence printable text; BEL (U+0007) ends OSC and rings the bell; BS moves the cursor back.
 * - U+007F DEL and U+0080–U+009F (C1): U+0085 NEL is a line break, U+009B is an 8-bit CSI and
 *   U+009D an 8-bit OSC on terminals that honour C1 controls.
 * - U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR: line breaks for many editors, viewers
 *   and JavaScript-based renderers.
 * - U+202A–U+202E (LRE, RLE, PDF, LRO, RLO), U+2066–U+2069 (LRI, RLI, FSI, PDI) and the marks
 *   U+200E, U+200F, U+061C: bidi controls that reorder the text around them ("Trojan Source"), so
 *   `approved` can be displayed where the bytes say `denied`.
 * - Lone surrogates (U+D800–U+DFFF not in a pair): not text at all; terminals show U+FFFD or
 *   garble the rest of the line. (With the `u` flag a well-formed pair is one code point above
 *   U+FFFF and does not match.)
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\x1b' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Untrusted text for a terminal or plain-text view: the result is one line of printable
 * characters that cannot move the cursor, change colours or reorder what surrounds it.
 */
export function inertLine(text: string): string {
  return text.replace(UNSAFE_CHAR, escapeChar);
}

/**
 * ASCII punctuation that is Markdown or HTML syntax anywhere in a line (CommonMark + GFM):
 * `\` (escapes), `` ` `` (code spans), `*` `_` `~` (emphasis, strikethrough, thematic breaks),
 * `[` `]` (links, images, footnotes, task boxes), `<` `>` (HTML, autolinks, block quotes),
 * `#` (headings), `|` (GFM table cells: an unescaped pipe splits the cell and shifts every
 * column after it), `&` (entities such as `&#10;` or `&lt;` would render as something the agent
 * did not literally type). Each is backslash-escaped, which CommonMark defines for all ASCII
 * punctuation and GFM honours inside table cells.
 */
const MARKDOWN_CHAR = /[\\`*_~[\]<>#|&]/g;

/** `_` between two ASCII letters or digits can neither open nor close emphasis (CommonMark's
 * flanking rules), so `check_release` stays readable in the raw packet. */
const INTRAWORD = /[A-Za-z0-9]/;

/**
 * Untrusted text for a Markdown view, inside one list item, one line or one table cell: inert as
 * for a terminal (the raw Markdown is read in terminals too), and rendered as literal text.
 */
export function inertMarkdown(text: string): string {
  const line = inertLine(text);
  const escaped = line.replace(MARKDOWN_CHAR, (ch, offset: number) =>
    ch === '_' && INTRAWORD.test(line[offset - 1] ?? '') && INTRAWORD.test(line[offset + 1] ?? '') ? ch : `\\${ch}`,
  );
  // What is syntax only at the start of a line, where our `- ` puts the text: leading spaces
  // (four or more after a list marker make an indented code block) become entities; a list
  // marker (`-`, `+`, `1.`, `1)`) or setext underline (`=`) is escaped. `#`, `>`, `*` are
  // escaped everywhere above.
  return escaped
    .replace(/^ +/, (spaces) => '&#32;'.repeat(spaces.length))
    .replace(/^((?:&#32;)*)([-+=])/, (_m, lead: string, mark: string) => `${lead}\\${mark}`)
    .replace(/^((?:&#32;)*\d+)([.)])/, (_m, digits: string, mark: string) => `${digits}\\${mark}`);
}

/** Tagged template for plain-text views: each interpolated value goes through inertLine; the
 * literal parts are ours and are kept as written. Idempotent on its own output, so nesting is safe. */
export function plain(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, part, i) => out + part + (i < values.length ? inertLine(String(values[i])) : ''), '');
}
