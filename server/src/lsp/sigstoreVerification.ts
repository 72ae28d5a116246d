// What the editor verifies Sigstore signatures with: the signers of `helmProvenance.sigstore.trustedIdentities`
// (or one the user just named), and the trusted root of `helmProvenance.sigstore.trustedRoot` (a path
// checked like the keyrings: absolute, never inside an untrusted workspace) or the one refreshed for
// `helmProvenance.sigstore.tufMirror`, else the shipped one. The checks themselves are the engine's.
import { readBoundedFile } from '../provenance/boundedRead';
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '../provenance/codes';
import { currentPathContext, refusalMessage, resolveUserPath } from '../provenance/userPaths';
import { escapeUntrusted } from '../provenance/untrustedText';
import { MAX_TRUSTED_ROOT_BYTES } from '../sigstore/limits';
import { exactMatcher, regexpMatcher, type IdentityPolicy, type Matcher } from '../sigstore/policy';
import { trustedRootForVerify, type RootChoice } from '../sigstore/rootSelection';
import { sigstoreSiblings, type SiblingFiles } from '../sigstore/siblingFiles';
import type { FilesTrust } from '../sigstore/verifyFiles';
import { verifySiblings, type SiblingOutcome } from '../sigstore/verifySiblings';
import type { ServerConfiguration } from './configuration';
import type { SigstoreTrustedIdentity } from './protocol';
import { bundleArtifact } from './sigstoreRoles';
import { TRUSTED_IDENTITIES_SETTING } from './sigstoreSettings';

export const HOW_TO_TRUST_IN_EDITOR = `the setting ${TRUSTED_IDENTITIES_SETTING} (an identity or identityRegexp with its issuer or issuerRegexp), or the command "Verify Sigstore Signature", which asks`;

/** An entry as an engine policy; a string saying why when one of its regexps cannot be used. */
export function policyOf(entry: SigstoreTrustedIdentity): IdentityPolicy | string {
  const matcher = (exact: string | undefined, regexp: string | undefined, what: string): Matcher | string => {
    if (exact !== undefined) return exactMatcher(exact);
    const m = regexpMatcher(regexp ?? '');
    return typeof m === 'string' ? `${what}: ${m}` : m;
  };
  const identity = matcher(entry.identity, entry.identityRegexp, 'identityRegexp');
  const issuer = matcher(entry.issuer, entry.issuerRegexp, 'issuerRegexp');
  if (typeof identity === 'string') return identity;
  if (typeof issuer === 'string') return issuer;
  return { identity, issuer };
}

export class SigstoreVerification {
  constructor(private readonly config: ServerConfiguration, private readonly warn: (message: string) => void) {}

  /** The configured signers (an unusable entry is said once and left out), or the one given. */
  trust(given?: SigstoreTrustedIdentity): FilesTrust | undefined {
    const entries = given ? [given] : this.config.settings.sigstore.trustedIdentities;
    const policies: IdentityPolicy[] = [];
    for (const entry of entries) {
      const policy = policyOf(entry);
      if (typeof policy === 'string') this.warn(`${TRUSTED_IDENTITIES_SETTING}: an entry is not used: ${policy}`);
      else policies.push(policy);
    }
    return policies.length ? { kind: 'any-of', policies } : undefined;
  }

  private fileRoot?: { key: string; choice: RootChoice };

  /**
   * The trusted root as the settings choose it, read now (a refreshed cache or an edited file counts at
   * once), with a key that changes when its content does: the SHA-256 of the configured file, else the
   * root's source (mirror, TUF version and fetch time) or the shipped one's name.
   */
  async trustedRoot(): Promise<Result<RootChoice & { key: string }>> {
    const { trustedRoot, tufMirror } = this.config.settings.sigstore;
    let file: string | undefined;
    if (trustedRoot) {
      const resolved = resolveUserPath(trustedRoot, currentPathContext(this.config.isTrusted ? [] : this.config.workspaceFolders));
      if (!resolved.ok) {
        const message = refusalMessage({ setting: 'helmProvenance.sigstore.trustedRoot', value: trustedRoot, reason: resolved.reason });
        this.warn(message);
        return fail('trusted-root-invalid', message);
      }
      file = resolved.path;
    }
    let bytes: Buffer | undefined;
    let key: string | undefined;
    if (file) {
      const read = readBoundedFile(file, MAX_TRUSTED_ROOT_BYTES);
      if (!read.ok) return fail('trusted-root-invalid', `helmProvenance.sigstore.trustedRoot: ${escapeUntrusted(read.message, 2000)}`);
      bytes = read.bytes;
      key = `file:${file}:${createHash('sha256').update(bytes).digest('hex')}`;
      // The same file content parses to the same root: parse it once.
      if (this.fileRoot?.key === key) return ok({ ...this.fileRoot.choice, key });
    }
    const choice = await trustedRootForVerify({ file, staging: false, read: () => bytes!, ...(tufMirror ? { mirror: tufMirror } : {}) });
    if (!choice.ok) return choice;
    if (key) this.fileRoot = { key, choice: choice.value };
    return ok({ ...choice.value, key: key ?? `source:${choice.value.trustedRoot.source}` });
  }

  /**
   * The cosign signatures of `file`: a bundle or `.sig`/`.cert` names its artifact, any other file is
   * the artifact. Each is verified (empty when there is none).
   */
  async verifyFile(file: string, given?: SigstoreTrustedIdentity): Promise<{ artifact: string; results: SiblingOutcome[] }> {
    const artifact = artifactOf(file);
    const siblings = sigstoreSiblings(artifact);
    return { artifact, results: await this.verify(artifact, siblings, given) };
  }

  verify(artifact: string, siblings: SiblingFiles[], given?: SigstoreTrustedIdentity): Promise<SiblingOutcome[]> {
    return verifySiblings(artifact, siblings, { trustedRoot: () => this.trustedRoot(), trust: this.trust(given), howToTrust: HOW_TO_TRUST_IN_EDITOR });
  }
}

/** The artifact a signature file belongs to; any other file is an artifact itself. */
export function artifactOf(file: string): string {
  const fromBundle = bundleArtifact(file);
  if (fromBundle) return fromBundle;
  for (const suffix of ['.sig', '.cert']) if (file.endsWith(suffix) && file.length > suffix.length) return file.slice(0, -suffix.length);
  return file;
}
