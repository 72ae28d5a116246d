// The parsed form of a containers-policy.json(5) file, every part with the range it came from.
import type { Problem, Range } from '../provenance/codes';

/** A certain fix for a finding: replace `range` with `newText` (a code action, or a hint on the CLI). */
export interface Fix { title: string; range: Range; newText: string }

export interface PolicyProblem extends Problem { fix?: Fix }

export interface Located<T> { value: T; range: Range }

export type IdentityRule =
  | { type: 'matchExact' | 'matchRepoDigestOrExact' | 'matchRepository'; range: Range; implicit?: boolean }
  | { type: 'exactReference'; dockerReference: string; range: Range }
  | { type: 'exactRepository'; dockerRepository: string; range: Range }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string; range: Range };

/** Where a requirement's keys come from: file paths, or inline data (base64-decoded). */
export type KeySource =
  | { kind: 'paths'; field: 'keyPath' | 'keyPaths'; paths: Located<string>[] }
  | { kind: 'data'; field: 'keyData' | 'keyDatas'; data: Located<Buffer>[] }
  | { kind: 'fulcio'; range: Range; caPath?: Located<string>; oidcIssuer?: string; subjectEmail?: string }
  | { kind: 'pki'; range: Range; caRootsPath?: Located<string>; subjectEmail?: string; subjectHostname?: string };

export type Requirement =
  | { type: 'insecureAcceptAnything' | 'reject' | 'signedBaseLayer'; range: Range }
  | { type: 'signedBy'; range: Range; keyType: string; keys?: KeySource; signedIdentity: IdentityRule }
  | { type: 'sigstoreSigned'; range: Range; keys?: KeySource; rekorPaths: Located<string>[]; signedIdentity: IdentityRule };

export interface Scope {
  transport: string;
  /** The scope string ("" is the transport's default). */
  scope: string;
  keyRange: Range;
  requirements: Requirement[];
}

export interface Policy {
  /** The `default` requirements; absent when the file has none (the runtime refuses it). */
  default?: Requirement[];
  defaultRange?: Range;
  transportsRange?: Range;
  /** Each transport key as written (for the outline), with the range of its scopes object. */
  transports: { name: string; keyRange: Range; range: Range }[];
  scopes: Scope[];
  problems: PolicyProblem[];
}

/**
 * Codes of findings that do not stop the runtime from loading the policy: scopes or requirements
 * that never match or always fail at run time, and facts about the machine (key files). Every
 * other error code means containers/image refuses to load the file.
 */
export const LOADS_DESPITE: ReadonlySet<string> = new Set([
  'policy-unknown-transport', 'policy-scope-not-expanded', 'policy-scope-wildcard', 'policy-identity-misfit',
  'policy-never-accepts', 'policy-key-file', 'policy-key-private', 'policy-key-expired', 'policy-key-revoked',
  'policy-no-attachments', 'policy-newer-field',
]);

/** Whether containers/image would refuse to load a policy with these findings. */
export function refusedOnLoad(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error' && !LOADS_DESPITE.has(p.code));
}
