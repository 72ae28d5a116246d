// Who may have signed: the certificate identity (SAN) and the OIDC issuer a keyless signature must
// carry, each exact or a regular expression. A regular expression must match the WHOLE value: it is
// anchored here, so `.*@example.com` cannot accept `evil@example.com.attacker.net` (@sigstore/verify
// and cosign test it unanchored). Expressions run on JavaScript's backtracking engine, so one whose
// quantified group holds another quantifier (`(a+)+`, catastrophic on a crafted identity) is refused
// when it is given, and values are compared only up to MAX_IDENTITY_CHARS.
import * as v8 from 'node:v8';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { MAX_IDENTITY_CHARS } from './limits';

export type Matcher =
  | { kind: 'exact'; value: string }
  | { kind: 'regexp'; source: string; pattern: RegExp };

export interface IdentityPolicy {
  identity: Matcher;
  issuer: Matcher;
}

export function exactMatcher(value: string): Matcher {
  return { kind: 'exact', value };
}

/** A matcher for a whole-value regular expression; a string saying why when it cannot be one. */
export function regexpMatcher(source: string): Matcher | string {
  if (nestedQuantifier(source)) {
    return `the regular expression ${JSON.stringify(escapeUntrusted(source))} repeats a group that itself repeats (like (a+)+): that can take exponential time; write it without the nesting`;
  }
  try {
    return { kind: 'regexp', source, pattern: linearRegExp(`^(?:${source})$`) };
  } catch (e) {
    if (/linear time/.test((e as Error).message)) {
      return `the regular expression ${JSON.stringify(escapeUntrusted(source))} uses a backreference or lookaround, which cannot run in linear time (cosign's RE2 refuses them too); write it without`;
    }
    return `${JSON.stringify(escapeUntrusted(source))} is not a regular expression: ${escapeUntrusted((e as Error).message)}`;
  }
}

/**
 * A regular expression run by V8's linear-time engine (the `l` flag), as cosign runs RE2: the
 * nested-repetition check above misses ambiguous alternations, and `(a|a)*b` took 87 s on 28
 * characters of a crafted identity with the backtracking engine (test/hostile/identityRegexp.test.ts).
 * Backreferences and lookaround are refused, as RE2 refuses them. The backtracking engine, with the
 * check above, is used only where the linear one is missing or declines a counted repetition over 16
 * (`[a-z]{1,64}`: it unrolls them).
 */
function linearRegExp(source: string): RegExp {
  try {
    v8.setFlagsFromString('--enable-experimental-regexp-engine');
    return new RegExp(source, 'l');
  } catch (e) {
    if (/linear time/.test((e as Error).message) && /\\[1-9]|\\k<|\(\?<?[=!]/.test(source)) throw e;
    return new RegExp(source);
  }
}

export function matches(matcher: Matcher, value: string): boolean {
  if (value.length > MAX_IDENTITY_CHARS) return false;
  return matcher.kind === 'exact' ? value === matcher.value : matcher.pattern.test(value);
}

export function describeMatcher(matcher: Matcher): string {
  return matcher.kind === 'exact' ? `"${escapeUntrusted(matcher.value)}"` : `one matching /${escapeUntrusted(matcher.source)}/ (whole value)`;
}

/** Checks a verified certificate's identity and issuer against the policy, issuer first (it says whose identities these are). */
export function checkIdentity(policy: IdentityPolicy, identity: string | undefined, issuer: string | undefined): Result<void> {
  if (issuer === undefined || !matches(policy.issuer, issuer)) {
    return fail('issuer-mismatch', `The certificate's OIDC issuer is ${issuer === undefined ? 'missing' : `"${escapeUntrusted(issuer)}"`}, not ${describeMatcher(policy.issuer)}.`);
  }
  if (identity === undefined || !matches(policy.identity, identity)) {
    return fail('identity-mismatch', `The certificate's identity is ${identity === undefined ? 'missing' : `"${escapeUntrusted(identity)}"`}, not ${describeMatcher(policy.identity)}.`);
  }
  return ok(undefined);
}

/** True when a quantified group contains a quantifier of unbounded or repeated reach. */
export function nestedQuantifier(source: string): boolean {
  // Per open group: did it contain a repetition? Escapes and character classes hold no quantifiers.
  const stack: boolean[] = [false];
  let i = 0;
  const quantifierAt = (j: number): number => {
    const c = source[j];
    if (c === '*' || c === '+') return 1;
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(j));
      if (m && (m[2] === undefined ? Number(m[1]) > 1 : m[3] === '' || Number(m[3]) > 1)) return m[0].length;
    }
    return 0;
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') { i += 2; continue; }
    if (c === '[') {
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '(') { stack.push(false); i++; continue; }
    if (c === ')') {
      const inner = stack.length > 1 ? stack.pop()! : false;
      i++;
      const q = quantifierAt(i);
      if (q > 0 && inner) return true;
      if (q > 0 || inner) stack[stack.length - 1] = true;
      continue;
    }
    const q = quantifierAt(i);
    if (q > 0) { stack[stack.length - 1] = true; i += q; continue; }
    i++;
  }
  return false;
}
