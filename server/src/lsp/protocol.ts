// The protocol between the Helm Provenance language server and its clients (the VS Code extension, or
// any LSP editor). Client and server both import this one module, so it depends only on
// `vscode-languageserver-protocol` (which both sides have) and holds only types, names and constants.
//
// Conventions:
// - Every uri is a string in LSP form (`file:///…`).
// - Every text that came from a file (user ids, chart names, messages quoting them) is already escaped
//   by the server (control and bidi characters shown as `\uXXXX`): show it as plain text, never as
//   Markdown or HTML.
// - Dates are ISO 8601 strings (UTC).
// - Requests that fail for an expected reason answer `{ ok: false, error }` with a stable code from
//   docs/codes.md; a JSON-RPC error means a bug or a cancelled request (`RequestCancelled`, -32800:
//   cancelled by the client, or the server stopping; nothing to show).
import { NotificationType, RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { Signer } from '../provenance/signatureCheck';

// ---------------------------------------------------------------------------------------------------
// Settings (`helmProvenance.*`). Every path and trust list is machine-scoped: a repository must not be
// able to choose which keys its own charts are verified with.

/** The configuration section the server asks for with `workspace/configuration`. */
export const SETTINGS_SECTION = 'helmProvenance';

export type SigningBackend = 'openpgp' | 'gpg';
/** `auto`: the backend that holds the key (an exported keyring file first, then gpg's own keys); the others force one. */
export type SigningBackendSetting = 'auto' | SigningBackend;

export interface HelmProvenanceSettings {
  /** Public keyrings to verify with (binary `pubring.gpg`, armored, `.kbx`, or a KEYS file). Empty = GnuPG's default keyrings. */
  keyrings: string[];
  /** Secret keyring for signing with the openpgp backend. Empty = GnuPG's default secret keyring. */
  secretKeyring: string;
  /** GnuPG home used by the gpg backend and to find default keyrings. Empty = `$GNUPGHOME` or `~/.gnupg`. */
  gnupgHome: string;
  /** The gpg executable for the gpg backend. */
  gpgPath: string;
  /** When non-empty, only keys with these primary fingerprints count as signers. */
  trustedFingerprints: string[];
  signingBackend: SigningBackendSetting;
  /** Fingerprint of the key Sign Chart uses without asking. Empty = ask (or the only usable key). */
  defaultSigningKey: string;
  /** Folders (absolute, or relative to a workspace folder) where packaged archives are looked for and written. */
  chartOutputFolders: string[];
  /** Client-side only: whether passphrases may be kept in SecretStorage. The server never stores one. */
  rememberPassphrases: boolean;
  /** Keyservers "Look up the key" asks (VKS, then HKP). */
  keyservers: string[];
  /** Whether "Look up the key" may use the network at all (off by default; never in Restricted Mode). */
  keyLookups: boolean;
  /** Sigstore/cosign: whose keyless signatures count, the trusted root file, the TUF mirror (lsp/sigstoreSettings.ts). */
  sigstore: SigstoreSettings;
  /** Fetch and verify the dependencies of an open Chart.yaml (registries, chart repositories) for their CodeLens. Never in Restricted Mode. */
  verifyDependencies: boolean;
}

/** One signer whose keyless (certificate) signatures count: exact or whole-value regexp, for identity and issuer each. */
export interface SigstoreTrustedIdentity { identity?: string; identityRegexp?: string; issuer?: string; issuerRegexp?: string }

export interface SigstoreSettings {
  trustedIdentities: SigstoreTrustedIdentity[];
  /** A trusted_root.json to use instead of the refreshed or shipped one (an absolute path). */
  trustedRoot: string;
  /** The TUF mirror whose cached trusted root is used (as `helm-prov sigstore init` sets it); empty: that one, else public-good. */
  tufMirror: string;
}

export const DEFAULT_SETTINGS: Readonly<HelmProvenanceSettings> = Object.freeze({
  keyrings: [],
  secretKeyring: '',
  gnupgHome: '',
  gpgPath: 'gpg',
  trustedFingerprints: [],
  signingBackend: 'auto',
  defaultSigningKey: '',
  chartOutputFolders: [],
  rememberPassphrases: false,
  keyservers: ['https://keys.openpgp.org'],
  keyLookups: false,
  sigstore: { trustedIdentities: [], trustedRoot: '', tufMirror: '' },
  verifyDependencies: true,
});

/** Optional `initializationOptions` a client may send in `initialize`. */
export interface InitializationOptions {
  /**
   * True when the client registers the lens commands (COMMANDS) itself, as the VS Code extension does.
   * Otherwise the server offers them through `workspace/executeCommand` (Neovim, Helix…).
   */
  clientHandlesCommands?: boolean;
  /** Base for `codeDescription.href` links; the code's anchor is appended (`docs/codes.md#<code>`). */
  docsBaseUrl?: string;
  /**
   * True when the client already sends `workspace/didChangeWatchedFiles` for `*.tgz`, `*.prov`,
   * `Chart.yaml`, `KEYS` and the keyring files. Otherwise the server registers those watchers itself
   * (dynamic registration), keyrings included.
   */
  clientWatchesFiles?: boolean;
  /** False turns off the background indexing of every Chart.yaml in the workspace. Default true. */
  indexWorkspace?: boolean;
  /**
   * False when the workspace is not trusted (VS Code's Restricted Mode): the server then spawns no
   * process, writes no file (package, sign and list signing keys answer `workspace-untrusted`) and uses
   * no configured path inside a workspace folder, until WorkspaceTrustedNotification. Default true, for
   * editors without workspace trust.
   */
  workspaceTrusted?: boolean;
  /** True when the client handles StatusBatchNotification: statuses then come batched. Default false. */
  statusBatches?: boolean;
}

export namespace WorkspaceTrustedNotification {
  export const method = 'helmProvenance/workspaceTrusted';
  /** The user trusted the workspace (trust is never withdrawn in a running window: VS Code reloads it). */
  export const type = new NotificationType<Record<string, never>>(method);
}

/** Where diagnostics link to by default: the repository's docs/codes.md. */
export const DEFAULT_DOCS_BASE_URL = 'https://github.com/helm-provenance/helm-provenance/blob/main/';

/** The diagnostic `source` of every diagnostic the server publishes. */
export const DIAGNOSTIC_SOURCE = 'helm-provenance';

/** Language ids the server works on. Chart.yaml stays `yaml`: the server attaches, it does not take over. */
export const LANGUAGE_IDS = { provenance: 'helm-provenance', keys: 'pgp-keys', chartYaml: 'yaml' } as const;

/**
 * Commands the CodeLens entries on Chart.yaml carry. Each takes one argument: a ChartCommandArgs.
 * The VS Code client registers them (and sends `clientHandlesCommands: true`); other editors get them
 * executed by the server through `workspace/executeCommand`.
 */
export const COMMANDS = {
  verifyChart: 'helmProvenance.verifyChart',
  signChart: 'helmProvenance.signChart',
  packageAndSignChart: 'helmProvenance.packageAndSignChart',
  openProvenance: 'helmProvenance.openProvenance',
} as const;

export interface ChartCommandArgs {
  /** The Chart.yaml the lens is on. */
  chartYaml: string;
  /** The archive the lens is about, when there is one. */
  archive?: string;
  /** The provenance file, when there is one. */
  prov?: string;
  /** Sign Chart / Package and Sign: ask which key even when a default signing key is set ("Select another key and sign"). */
  pickKey?: boolean;
}

/** Client-only commands a quick fix may carry (the VS Code client registers them; other editors never get them). */
export const CLIENT_COMMANDS = {
  /** Copies its one argument, a fingerprint or key id, to the clipboard. */
  copyFingerprint: 'helmProvenance.copyFingerprint',
  /** Verify Sigstore Signature on its one argument, a file uri: asks whom to expect and offers to remember that signer. */
  verifySigstoreSignature: 'helmProvenance.verifySigstoreSignature',
} as const;

/**
 * A next step for a status that can work now (a write only in a trusted workspace, a client command
 * only for a client that registers it): a quick fix (textDocument/codeAction) on the diagnostic with
 * `code` (or, for a chart's own state, on its Chart.yaml) and a button on the Verify notification.
 */
export interface StatusFix {
  title: string;
  command: string;
  arguments: unknown[];
  /** The diagnostic code it fixes; for a chart's own state: `stale` (version bumped) or `archive-differs-from-source` (out of date). */
  code: string;
}

// ---------------------------------------------------------------------------------------------------
// Status: pushed by the server whenever what it knows about a document or a chart changes.

/**
 * - `verified`: signature and archive digest hold.
 * - `rejected`: verification failed; `code` says why (hash-mismatch, unknown-signer, …).
 * - `unsigned`: the archive exists, no `.prov` next to it.
 * - `not-packaged`: Chart.yaml has no `<name>-<version>.tgz` anywhere the server looks.
 * - `stale`: the archive found holds another name/version than Chart.yaml says.
 * - `missing-archive`: a `.prov` without its archive.
 * - `keys`: a KEYS document (severity tells whether any key has a problem).
 * - `checking`: work is under way; a final state follows.
 * - `removed`: forget the status for this uri (document closed, chart deleted).
 */
export type StatusState = 'verified' | 'rejected' | 'unsigned' | 'not-packaged' | 'stale' | 'missing-archive' | 'keys' | 'checking' | 'removed';

/** What a badge shows: `ok` only for a verified signature. */
export type StatusSeverity = 'ok' | 'information' | 'warning' | 'error';

/** The engine's signer (fingerprints from the key itself; `uid` and `uids` escaped), with dates as ISO strings. */
export interface SignerSummary extends Omit<Signer, 'signedAt' | 'keyExpires'> {
  signedAt: string;
  keyExpires?: string;
  /**
   * KEYS files in the workspace that list this fingerprint. Information only ("listed in this
   * repository's KEYS"): a repository's KEYS file is never a reason to trust a key.
   */
  listedInWorkspaceKeys?: string[];
}

export interface StatusParams {
  /**
   * `document`: the status of an open .prov or KEYS document (or of an archive/.prov a verify request
   * named outside any chart). `chart`: of a chart, keyed by its Chart.yaml uri, for charts in the
   * workspace and open Chart.yaml editors alike (a Chart.yaml editor shows its chart's status).
   */
  scope: 'document' | 'chart';
  /** The document's uri, or for `chart` the Chart.yaml's uri. */
  uri: string;
  state: StatusState;
  severity: StatusSeverity;
  /** The stable code (docs/codes.md), when there is one: `verified`, `hash-mismatch`, `keys-expired`, … */
  code?: string;
  /** A few words for a badge: `Verified`, `Hash mismatch`, `Unsigned`, `10 keys, 1 expired`. */
  summary: string;
  /** The full sentence a person can act on. */
  message: string;
  signer?: SignerSummary;
  /** Chart scope (and .prov documents): the chart folder, the archive, the provenance file. */
  chartFolder?: string;
  archive?: string;
  prov?: string;
  /** Name and version Chart.yaml (or the signed metadata) states. */
  chart?: { name: string; version: string };
  digest?: { expected?: string; actual?: string };
  /** Warnings that leave the verdict alone (unsigned-content, unknown-signature). */
  warnings?: { code: string; message: string }[];
  /** What can be done about it now (codeActions.ts); the same as the quick fixes on its diagnostics. */
  fixes?: StatusFix[];
  /** Chart scope: the verdicts of the cosign signatures beside the archive, as one line (lsp/cosignLine.ts). */
  cosign?: string;
}

export namespace StatusNotification {
  export const method = 'helmProvenance/status';
  export const type = new NotificationType<StatusParams>(method);
}

/** Several statuses in one message, in the order they were made (a workspace's charts finish together). */
export interface StatusBatchParams { statuses: StatusParams[] }

/**
 * Sent instead of StatusNotification to a client whose InitializationOptions set `statusBatches`:
 * the statuses made in one turn of the server's event loop. Other clients get one StatusNotification each.
 */
export namespace StatusBatchNotification {
  export const method = 'helmProvenance/statuses';
  export const type = new NotificationType<StatusBatchParams>(method);
}

/** Asks for the current chart status of whatever chart contains `uri` (any file or folder inside a chart). */
export interface ChartStatusParams { uri: string }

export namespace ChartStatusRequest {
  export const method = 'helmProvenance/chartStatus';
  /** `null` when `uri` is in no chart the server knows of. */
  export const type = new RequestType<ChartStatusParams, StatusParams | null, void>(method);
}

/** A chart the server found in the workspace. */
export interface ChartSummary {
  /** The Chart.yaml's uri. */
  chartYaml: string;
  /** The chart folder's uri. */
  folder: string;
}

export namespace ChartsRequest {
  export const method = 'helmProvenance/charts';
  /**
   * Every chart (Chart.yaml) the server found in the workspace folders, sorted by path; answered once
   * the first scan of the workspace is done. The server's scan skips hidden folders and node_modules.
   */
  export const type = new RequestType<Record<string, never>, ChartSummary[], void>(method);
}

export namespace ChartsChangedNotification {
  export const method = 'helmProvenance/chartsChanged';
  /** A chart was found or is gone: ask ChartsRequest again. */
  export const type = new NotificationType<Record<string, never>>(method);
}

// ---------------------------------------------------------------------------------------------------
// Requests from the client: verify, package, sign, list signing keys, verify a detached signature.
// Besides the engine's codes (docs/codes.md), a request may fail with `workspace-untrusted` (package,
// sign, list signing keys in an untrusted workspace) or `setting-refused` (a path setting it needs is
// not absolute, or lies in an untrusted workspace folder).

export interface RequestError { code: string; message: string }
export type RequestResult<T> = ({ ok: true } & T) | { ok: false; error: RequestError };

/** Chart requests accept a Chart.yaml, a chart folder, a `.tgz` or a `.prov` uri. */
export interface ChartTargetParams extends WorkDoneProgressParams { uri: string }

export namespace VerifyRequest {
  export const method = 'helmProvenance/verify';
  /**
   * Verifies now (bypassing nothing but the wait for indexing) and answers the chart's status. A check
   * that a file change superseded meanwhile is run again; only cancelling the request cancels it.
   */
  export const type = new RequestType<ChartTargetParams, RequestResult<{ status: StatusParams }>, void>(method);
}

export interface PackageParams extends ChartTargetParams {
  /** Folder for the archive; default: the first chartOutputFolders entry, else the chart's parent folder. */
  outDir?: string;
  /**
   * Replace an archive that has a `.prov` next to it (the user said so). Without it such a request
   * fails with `archive-has-signature` and writes nothing.
   */
  replaceSigned?: boolean;
}

export interface PackageResult { archive: string; chart: { name: string; version: string } }

export namespace PackageRequest {
  export const method = 'helmProvenance/package';
  export const type = new RequestType<PackageParams, RequestResult<PackageResult>, void>(method);
}

/**
 * For a Chart.yaml or chart folder, what is signed is the archive of the source as it is now: an
 * existing `<name>-<version>.tgz` only when it is what packaging the folder writes (else the request
 * fails with `archive-differs-from-source`), a fresh package when there is none. A `.tgz` (or its
 * `.prov`) is signed as it is, and the result says whether it matches a chart folder next to it.
 */
export interface SignParams extends ChartTargetParams {
  /** Fingerprint (or key id / user id query) of the key to sign with; default: defaultSigningKey, else the only usable key. */
  key?: string;
  /** Package the chart first when the archive is missing or stale (default true for a Chart.yaml or folder). */
  packageIfNeeded?: boolean;
  /** Package the chart now (replacing its archive), then sign: Package and Sign. */
  packageFirst?: boolean;
  outDir?: string;
}

/** Where the signed archive came from. */
export interface SignOrigin {
  /**
   * `packaged`: from the chart folder just now; `matches-source`: an existing archive identical to what
   * packaging the chart folder writes; `differs-from-source`: an archive signed as asked that differs
   * from the chart folder next to it; `no-source`: an archive signed as asked, with no chart folder of
   * it next to it.
   */
  kind: 'packaged' | 'matches-source' | 'differs-from-source' | 'no-source';
  /** The chart folder packaged or compared with. */
  chartFolder?: string;
  /** One sentence saying so, escaped. */
  message: string;
}

/** Who made the signature just written, from the signing itself (never read back from a `.prov` an editor may hold open). */
export interface SignedBy {
  backend: SigningBackend;
  /** Primary fingerprint of the key. */
  fingerprint: string;
  /** The (sub)key that made the signature. */
  signingKey: string;
  /** Escaped. */
  uid?: string;
  /** gpg only: a passphrase was given but gpg-agent had the key unlocked already, so it was not checked. */
  passphraseUnused?: boolean;
}

export interface SignResult { archive: string; prov: string; packaged: boolean; origin: SignOrigin; status: StatusParams; signedBy: SignedBy }

export namespace SignRequest {
  export const method = 'helmProvenance/sign';
  /**
   * Signs with the backend the setting names, or (`auto`) the one that holds the key. When a protected
   * key needs its passphrase the server asks the client (PassphraseRequest) and gives it to openpgp.js,
   * or to gpg through loopback pinentry; a gpg-agent that refuses loopback asks through its own pinentry.
   */
  export const type = new RequestType<SignParams, RequestResult<SignResult>, void>(method);
}

export interface SigningKeyItem {
  /** Which backend signs with it: a keyring file (openpgp.js) or gpg (gpg-agent, smartcard). */
  backend: SigningBackend;
  fingerprint: string;
  keyId: string;
  /** Escaped. */
  uid?: string;
  uids: string[];
  algorithm: string;
  bits?: number;
  created: string;
  expires?: string;
  /** The (sub)key that would make the signature. */
  signingKey?: string;
  /** A passphrase is needed to sign (gpg: protected and not unlocked in gpg-agent's cache now). */
  protected: boolean;
  usable: boolean;
  /** Why the key cannot sign (expired, revoked, weak, no signing part); set when `usable` is false. */
  reason?: string;
  isDefault: boolean;
}

export interface ListSigningKeysResult {
  backend: SigningBackendSetting;
  keys: SigningKeyItem[];
  warnings: RequestError[];
  /** Where the keys were looked for, for a message when none is found. */
  searched: { keyrings: string[]; gnupgHome: string };
}

export namespace ListSigningKeysRequest {
  export const method = 'helmProvenance/listSigningKeys';
  export const type = new RequestType<Record<string, never>, RequestResult<ListSigningKeysResult>, void>(method);
}

export interface VerifyFileParams extends WorkDoneProgressParams {
  /** The release artifact. */
  file: string;
  /** Its detached signature (`.asc` or `.sig`). */
  signature: string;
  /** A keyring or KEYS file to verify with instead of the configured keyrings (chosen by the user for this one check): a uri or an absolute path. */
  keyring?: string;
}

export interface VerifyFileResult {
  verdict: 'verified' | 'rejected';
  code: string;
  message: string;
  signer?: SignerSummary;
  warnings: RequestError[];
  /**
   * Set (to its uri) when the keyring chosen for the check lies inside a workspace folder: the verdict
   * then proves only that the file matches the repository's own list of keys, and `message` says so.
   */
  keysFromWorkspace?: string;
}

export namespace VerifyFileRequest {
  export const method = 'helmProvenance/verifyFile';
  export const type = new RequestType<VerifyFileParams, RequestResult<VerifyFileResult>, void>(method);
}

// ---------------------------------------------------------------------------------------------------
// Server → client: the passphrase of a protected signing key.

export interface PassphraseParams {
  /**
   * The X25519 public key (base64url) the answer is sealed to, made for this one prompt: the passphrase
   * never appears in the JSON-RPC messages, so a protocol trace cannot record it (passphraseSeal.ts).
   */
  recipientKey: string;
  fingerprint: string;
  /** Escaped user id of the key, for the prompt. */
  uid?: string;
  /** 1 for the first prompt; > 1 after a wrong passphrase (a remembered one must then be forgotten). */
  attempt: number;
  /** Set when the previous passphrase was wrong. */
  previousWrong: boolean;
}

/**
 * A passphrase sealed to `recipientKey`: an ephemeral X25519 key of the client's, the shared secret
 * through HKDF-SHA-256 to an AES-256-GCM key, the passphrase encrypted with it. All base64url.
 */
export interface SealedPassphrase { ephemeralKey: string; iv: string; ciphertext: string; tag: string }

export namespace PassphraseRequest {
  export const method = 'helmProvenance/passphrase';
  /** `null` when the user cancelled; the sign request then answers `passphrase-required`. */
  export const type = new RequestType<PassphraseParams, { sealed: SealedPassphrase } | null, void>(method);
}

// ---------------------------------------------------------------------------------------------------
// Sigstore: the cosign signatures beside a file (server/src/lsp/sigstoreRequest.ts answers)

export interface VerifySigstoreParams extends WorkDoneProgressParams {
  /** Any file: its cosign signatures beside it are verified; a bundle, `.sig` or `.cert` stands for its artifact. */
  uri: string;
  /** A signer to verify against instead of the configured ones (the person just named it). */
  identity?: SigstoreTrustedIdentity;
}

export interface SigstoreSignatureResult {
  /** The bundle, or the `.sig` (read with its `.cert`), as a uri. */
  file: string;
  verdict: 'verified' | 'rejected';
  code: string;
  message: string;
  /** On `verified`, who was checked; else who the signature claims to be from. */
  signer?: { identity: string; issuer: string } | { key: string };
  /** The log entry: its index, and its integrated time as an ISO date. */
  tlog?: { logIndex: string; integratedTime?: string };
  warnings: RequestError[];
}

export interface VerifySigstoreResult { artifact: string; signatures: SigstoreSignatureResult[] }

export namespace VerifySigstoreRequest {
  export const method = 'helmProvenance/verifySigstore';
  export const type = new RequestType<VerifySigstoreParams, RequestResult<VerifySigstoreResult>, void>(method);
}
