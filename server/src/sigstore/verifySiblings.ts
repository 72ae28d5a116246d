// Verifies every cosign signature kept beside an artifact (siblingFiles.ts says which files count),
// each on its own: `helm-prov verify` and the language server share this.
import * as path from 'node:path';
import { readBoundedFile } from '../provenance/boundedRead';
import type { Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { readArtifact } from './artifact';
import type { SigstoreOutcome, SigstoreWarning } from './codes';
import { MAX_BUNDLE_BYTES, MAX_SMALL_FILE_BYTES } from './limits';
import type { RootChoice } from './rootSelection';
import { BUNDLE_SUFFIX, type SiblingFiles } from './siblingFiles';
import { verifySignatureFiles, type FilesTrust, type NamedBytes, type SignatureFiles } from './verifyFiles';

export interface SiblingOutcome { files: SiblingFiles; outcome: SigstoreOutcome }

export interface SiblingVerifyOptions {
  /** Where the trusted root comes from; called once, only when there is a sibling. */
  trustedRoot: () => Promise<Result<RootChoice>>;
  trust?: FilesTrust;
  howToTrust?: string;
}

/** Verifies each of `siblings` (siblingFiles.ts found them beside `artifact`) against it. */
export async function verifySiblings(artifact: string, siblings: SiblingFiles[], options: SiblingVerifyOptions): Promise<SiblingOutcome[]> {
  if (siblings.length === 0) return [];
  const rejectAll = (code: SigstoreOutcome['code'], message: string, warnings: SigstoreWarning[] = []) =>
    siblings.map((files) => ({ files, outcome: { verdict: 'rejected' as const, code, message, warnings } }));
  const root = await options.trustedRoot();
  if (!root.ok) return rejectAll(root.error.code as SigstoreOutcome['code'], root.error.message);
  const { trustedRoot, warnings } = root.value;
  const read = await readArtifact(artifact);
  if (!read.ok) return rejectAll('artifact-unreadable', read.error.message, warnings);
  return siblings.map((files) => {
    const input: SignatureFiles = {};
    const load = (file: string, limit: number): NamedBytes | string => {
      const r = readBoundedFile(file, limit);
      return r.ok ? { name: file, bytes: r.bytes } : r.message;
    };
    const parts = files.kind === 'bundle'
      ? [['bundle', load(files.bundle, MAX_BUNDLE_BYTES)] as const]
      : [['signature', load(files.signature, MAX_SMALL_FILE_BYTES)] as const, ['certificate', load(files.certificate, MAX_SMALL_FILE_BYTES)] as const];
    for (const [field, value] of parts) {
      if (typeof value === 'string') {
        return { files, outcome: { verdict: 'rejected', code: 'bundle-malformed', message: `The signature file cannot be read: ${escapeUntrusted(value, 2000)}.`, warnings } };
      }
      input[field] = value;
    }
    const outcome = verifySignatureFiles(input, read.value, { trustedRoot, trust: options.trust, warnings, howToTrust: options.howToTrust });
    return { files, outcome: files.kind === 'sig-cert' && outcome.code === 'no-trusted-time' ? { ...outcome, message: `${outcome.message} ${noEntryBeside(artifact, files)}` } : outcome };
  });
}

/**
 * cosign writes no log entry beside a `.sig` and `.cert` (its `--bundle` output is a whole signature, at
 * a name the signer picks), so none is looked for: say where the entry can be given, and what to sign with.
 */
function noEntryBeside(artifact: string, files: { signature: string; certificate: string }): string {
  const name = (f: string) => escapeUntrusted(path.basename(f), 200);
  return `Nothing beside ${name(artifact)} holds that entry: give it with helm-prov verify-blob ${name(artifact)} --signature ${name(files.signature)} --certificate ${name(files.certificate)} --rekor-entry entry.json, or have it signed with cosign sign-blob --bundle ${name(artifact)}${BUNDLE_SUFFIX}, which keeps the entry with the signature.`;
}
