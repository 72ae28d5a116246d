// `policy lint` and the language server's diagnostics: the parse findings of policy.json, the key files
// checked on this machine, and — when a registries.d folder is known — sigstoreSigned scopes the
// runtime will find no signatures for (use-sigstore-attachments off).
import * as path from 'node:path';
import { escapeUntrusted } from '../provenance/untrustedText';
import { parseReference } from './dockerReference';
import { checkRequirementKeys } from './policyKeys';
import type { Policy, PolicyProblem, Scope } from './policyModel';
import { parsePolicy } from './policyParse';
import { signatureLocation, type RegistriesConfig } from './registriesD';
import { problem } from './sourceText';

export interface LintOptions {
  /** The policy file's path: relative key paths are checked against its folder. */
  file?: string;
  registries?: RegistriesConfig;
  now?: Date;
  /** Off in the language server for untrusted workspaces: no file outside the document is read. */
  checkKeyFiles?: boolean;
}

export interface PolicyLint { policy: Policy; problems: PolicyProblem[] }

/** A docker scope whose sigstoreSigned requirement will find no attachments: the registries.d fix is certain. */
function attachmentsProblem(scope: Scope, registries: RegistriesConfig): PolicyProblem | undefined {
  if (scope.transport !== 'docker' || scope.scope === '' || scope.scope.startsWith('*.')) return undefined;
  if (!scope.requirements.some((r) => r.type === 'sigstoreSigned')) return undefined;
  const ref = parseReference(scope.scope.includes('/') ? scope.scope : `${scope.scope}/x`);
  if (typeof ref === 'string') return undefined;
  if (signatureLocation(registries, ref).useSigstoreAttachments) return undefined;
  return problem('policy-no-attachments', 'error', `sigstoreSigned needs use-sigstore-attachments: true for "${escapeUntrusted(scope.scope)}" in registries.d; without it the runtime never reads sigstore signatures and fails with "A signature was required, but no signature exists".`, scope.keyRange);
}

export async function lintPolicy(text: string, options: LintOptions = {}): Promise<PolicyLint> {
  const policy = parsePolicy(text);
  const problems = [...policy.problems];
  const now = options.now ?? new Date();
  if (options.checkKeyFiles !== false) {
    const base = options.file ? path.dirname(path.resolve(options.file)) : process.cwd();
    const requirements = [...(policy.default ?? []), ...policy.scopes.flatMap((s) => s.requirements)];
    for (const req of requirements) problems.push(...await checkRequirementKeys(req, base, now));
  }
  if (options.registries) {
    for (const scope of policy.scopes) {
      const found = attachmentsProblem(scope, options.registries);
      if (found) problems.push(found);
    }
  }
  problems.sort((a, b) => a.range!.start.line - b.range!.start.line || a.range!.start.character - b.range!.start.character);
  return { policy, problems };
}
