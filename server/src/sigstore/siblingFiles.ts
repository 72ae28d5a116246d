// Which cosign signatures are kept beside an artifact (a chart archive): `<file>.sigstore.json` (a
// Sigstore bundle, as `cosign sign-blob --bundle` writes it) and Kubernetes-style `<file>.sig` +
// `<file>.cert`. A `.sig` counts only with its `.cert`: alone it is as likely gpg's binary detached
// signature. Only names and stat calls here, so finding none costs no Sigstore library load.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const BUNDLE_SUFFIX = '.sigstore.json';

export type SiblingFiles =
  | { kind: 'bundle'; bundle: string }
  | { kind: 'sig-cert'; signature: string; certificate: string };

function isFile(p: string): boolean {
  try {
    // A missing file (nearly always) answers undefined: a thrown error costs ten times the stat.
    return fs.statSync(p, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/** The signature files beside `artifact`, bundle first; empty when there are none. */
export function sigstoreSiblings(artifact: string, exists: (p: string) => boolean = isFile): SiblingFiles[] {
  const found: SiblingFiles[] = [];
  if (exists(artifact + BUNDLE_SUFFIX)) found.push({ kind: 'bundle', bundle: artifact + BUNDLE_SUFFIX });
  if (exists(`${artifact}.sig`) && exists(`${artifact}.cert`)) found.push({ kind: 'sig-cert', signature: `${artifact}.sig`, certificate: `${artifact}.cert` });
  return found;
}

/** The file a person would name for this signature: the bundle, or the `.sig` with its `.cert`. */
export function siblingLabel(files: SiblingFiles): string {
  return files.kind === 'bundle' ? path.basename(files.bundle) : `${path.basename(files.signature)} + ${path.basename(files.certificate)}`;
}
