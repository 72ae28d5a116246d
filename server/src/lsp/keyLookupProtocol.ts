// The protocol of finding and importing a signer's key from the editor (issue 17): two requests and the
// quick fixes' command ids. Plain data, so the VS Code client may import it. A key found is shown to
// the user; only an import request, sent after the user said yes, writes it into a keyring file.
import { RequestType } from 'vscode-languageserver-protocol';
import type { RequestResult } from './protocol';

export const KEY_LOOKUP_COMMANDS = {
  /** Quick fix on unknown-signer: look the issuer up on the configured keyservers (look-ups on, trusted workspace). */
  lookUpSignerKey: 'helmProvenance.lookUpSignerKey',
  /** Quick fix on unknown-signer: the key from a workspace KEYS file that holds it. */
  importSignerKeyFromKeys: 'helmProvenance.importSignerKeyFromKeys',
} as const;

/** The argument of both quick-fix commands. */
export interface SignerKeyArgs {
  /** The issuer's fingerprint (or 16-hex key id) as the signature names it. */
  issuer: string;
  /** The `.prov` the quick fix was offered on. */
  uri: string;
}

export interface FindKeyParams {
  issuer: string;
  /** `keys-file`: the workspace KEYS files that list the issuer (no network); `network`: the configured keyservers. */
  from: 'keys-file' | 'network';
}

/** A key found, as the user is shown it before deciding. Texts are raw: escape before showing. */
export interface FoundKey {
  fingerprint: string;
  userIds: string[];
  created: string;
  expires: string | null;
  revoked: boolean;
  /** Each place that served it (file path or URL) and how (`keys-file`, `vks`, `hkp`, …). */
  foundAt: { where: string; source: string }[];
  /** Hands this key, exactly as shown, to ImportKeyRequest. */
  token: string;
}

export interface FindKeyResult {
  keys: FoundKey[];
  /** Every place asked and what it answered (codes in docs/codes.md, "Key look-ups"). */
  attempts: { source: string; where: string; code: string; message: string }[];
  /** The keyring an import writes to (the first of helmProvenance.keyrings); absent: the client asks for one. */
  keyring?: string;
}

export namespace FindKeyRequest {
  export const method = 'helmProvenance/findKey';
  export const type = new RequestType<FindKeyParams, RequestResult<FindKeyResult>, void>(method);
}

export interface ImportKeyParams {
  token: string;
  /** An absolute keyring file the user chose; default: the first of helmProvenance.keyrings. */
  keyring?: string;
}

export interface ImportKeyResult {
  fingerprint: string;
  keyring: string;
  change: 'new' | 'updated' | 'unchanged';
  /** False when the keyring is not one the server verifies with: add it to helmProvenance.keyrings. */
  inUse: boolean;
}

export namespace ImportKeyRequest {
  export const method = 'helmProvenance/importKey';
  export const type = new RequestType<ImportKeyParams, RequestResult<ImportKeyResult>, void>(method);
}

/** "Check Release Readiness" on a KEYS file. */
export interface ReleaseReadinessParams {
  /** The KEYS file (uri or absolute path). */
  keysFile: string;
  /** The release key; absent: the answer lists the KEYS file's keys to choose from. */
  fingerprint?: string;
}

export interface ReleaseReadinessResult {
  /** Without `fingerprint`: the keys of the KEYS file, the user's own (in their keyrings) first. Texts raw. */
  keys?: { fingerprint: string; userId?: string; yours: boolean }[];
  /** With `fingerprint`: one line per check, as `helm-prov release-check` prints them. */
  lines?: { code: string; ok: boolean; message: string }[];
  /** What was not checked, and why (no network without helmProvenance.keyLookups). */
  notes?: string[];
}

export namespace ReleaseReadinessRequest {
  export const method = 'helmProvenance/releaseReadiness';
  export const type = new RequestType<ReleaseReadinessParams, RequestResult<ReleaseReadinessResult>, void>(method);
}

export const RELEASE_READINESS_COMMAND = 'helmProvenance.checkReleaseReadiness';
