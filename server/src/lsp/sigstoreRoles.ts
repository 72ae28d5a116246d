// Which documents the Sigstore part of the language server works on, by file name: bundles
// (`*.sigstore.json`, `*.sigstore`), cosign's `.sig` and `.cert`, and `trusted_root.json`. Beside
// fileRoles.ts (the OpenPGP table), so neither table changes the other's routing. The client imports
// this module for its document selector: plain data only.
import * as path from 'node:path';

export type SigstoreDocumentKind = 'bundle' | 'signature' | 'certificate' | 'trusted-root';

const BUNDLE_SUFFIXES = ['.sigstore.json', '.sigstore'] as const;

export function sigstoreDocumentKind(uri: string): SigstoreDocumentKind | undefined {
  let name = path.posix.basename(uri.replace(/[?#].*$/, ''));
  try { name = decodeURIComponent(name); } catch { /* kept as it is */ }
  if (BUNDLE_SUFFIXES.some((s) => name.endsWith(s) && name.length > s.length)) return 'bundle';
  if (name === 'trusted_root.json' || name.endsWith('.trusted_root.json')) return 'trusted-root';
  if (name.endsWith('.sig') && name.length > 4) return 'signature';
  if (name.endsWith('.cert') && name.length > 5) return 'certificate';
  return undefined;
}

/** The artifact a bundle is beside (`x.tgz.sigstore.json` → `x.tgz`); undefined for other names. */
export function bundleArtifact(file: string): string | undefined {
  const suffix = BUNDLE_SUFFIXES.find((s) => file.endsWith(s));
  return suffix ? file.slice(0, -suffix.length) : undefined;
}

/** The cosign signatures beside an archive (sigstore/siblingFiles.ts): their changes change a chart's cosign line. */
export const SIGSTORE_WATCHED_GLOB = '**/*.{sigstore.json,sig,cert}';

/** The editor's document selector for these files (any language id: JSON, plain text, none). */
export const SIGSTORE_DOCUMENT_SELECTOR = [
  { scheme: 'file', pattern: '**/*.{sigstore.json,sigstore,sig,cert}' },
  { scheme: 'file', pattern: '**/{trusted_root.json,*.trusted_root.json}' },
];
