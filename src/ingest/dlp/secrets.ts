import type { SecretLintCoreConfig, SecretLintCoreResultMessage } from '@secretlint/types';
import type { Span } from './finding.js';

export interface SecretHit extends Span {
  kind: string;
  rule: string;
}

const FILTER_COMMENTS = '@secretlint/secretlint-rule-filter-comments';
const AWS = '@secretlint/secretlint-rule-aws';

/** secretlint, loaded on first use (only an ingest needs it), with its configuration. */
async function loadSecretlint() {
  const [{ lintSource }, { secretLintProfiler }, { rules }] = await Promise.all([
    import('@secretlint/core'),
    import('@secretlint/profiler'),
    import('@secretlint/secretlint-rule-preset-recommend'),
  ]);
  // secretlint's core marks every rule run on the process-wide performance timeline and its profiler
  // keeps each entry forever (about 60 per document), so a large ingest grew without bound. We never
  // read the profile: marking is switched off.
  secretLintProfiler.mark = () => undefined;
  // The preset's rules, registered one by one: a preset cannot switch one of its own rules off.
  const config: SecretLintCoreConfig = {
    rules: rules
      // A "secretlint-disable" comment is the document author's to write, not ours to obey.
      .filter((rule) => rule.meta.id !== FILTER_COMMENTS)
      // Access key ids are off by default (too common in examples); a stored ticket should not carry one.
      .map((rule) => ({ id: rule.meta.id, rule, options: rule.meta.id === AWS ? { enableIDScanRule: true } : {} })),
  };
  return { lintSource, config };
}
// Loaded and configured once per process, not per document (a library and a fixed configuration,
// no security state).
let loaded: ReturnType<typeof loadSecretlint> | undefined;
const secretlint = () => (loaded ??= loadSecretlint());

/** `AWSSecretAccessKey` → `aws-secret-access-key`, `SLACK_TOKEN` → `slack-token`. */
export function kindOf(messageId: string): string {
  return messageId
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[_\s]+/g, '-')
    .toLowerCase();
}

/**
 * The span to redact. Some rules report the start of the whole match with the length of the captured
 * secret (the AWS secret key rule), which would leave the secret's tail in place: a reported value
 * that overlaps the range and is at least as long as it is taken as the secret itself; shorter values
 * only widen the range, never narrow it.
 */
function spanOf(text: string, message: SecretLintCoreResultMessage): Span {
  const [start, end] = message.range;
  const values = Object.values(message.data ?? {}).filter((v): v is string => typeof v === 'string' && v.length >= 4);
  const hits: Span[] = [];
  for (const value of values) {
    for (let at = text.indexOf(value, Math.max(0, start - value.length)); at >= 0 && at < end; at = text.indexOf(value, at + 1)) {
      if (at + value.length > start) hits.push({ start: at, end: at + value.length });
    }
  }
  const whole = hits.filter((h) => h.end - h.start >= end - start);
  const parts = whole.length > 0 ? whole : [{ start, end }, ...hits];
  return { start: Math.min(...parts.map((p) => p.start)), end: Math.max(...parts.map((p) => p.end)) };
}

// `password: x`, `passwd=x`, `pwd = "x"`: the value only, up to whitespace or a closing quote.
const PASSWORD_LINE = /\b(?:password|passwd|passphrase|pwd)\s*[:=]\s*["']?([^\s"']{4,})/gi;

/** Password assignments, which the preset leaves to the credential-specific rules. */
export function findPasswords(text: string): SecretHit[] {
  return [...text.matchAll(PASSWORD_LINE)].map((m) => {
    const start = m.index + m[0].length - m[1]!.length;
    return { start, end: m.index + m[0].length, kind: 'password', rule: 'clearance/password-assignment' };
  });
}

/** API keys, tokens, private keys and credentials in URLs (secretlint's recommended preset), and password lines. */
export async function findSecrets(text: string): Promise<SecretHit[]> {
  const { lintSource, config } = await secretlint();
  const result = await lintSource({
    source: { filePath: '/document.txt', content: text, contentType: 'text' },
    options: { config, noPhysicFilePath: true },
  });
  const hits = result.messages.map((m) => ({ ...spanOf(text, m), kind: kindOf(m.messageId), rule: m.ruleId }));
  return [...hits, ...findPasswords(text)];
}
