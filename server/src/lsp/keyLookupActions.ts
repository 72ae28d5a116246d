// The editor's side of issue 17: quick fixes on an `unknown-signer` `.prov` ("Import from this
// repository's KEYS", "Look up the key"), the find request (a KEYS file on disk, or the keyservers of the
// machine-scoped settings — only with helmProvenance.keyLookups on and in a trusted workspace) and the
// import request, which writes the key the user was shown, and nothing else, into a keyring file outside
// every workspace folder. Nothing here imports by itself: the client asks the user in between.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver/node';
import { importIntoKeyring } from '../keyLookup/importKey';
import { foundKeys, lookUpKey, lookupTargetOf } from '../keyLookup/lookup';
import type { LoadedKey } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { folderHolding, isFullyQualified } from '../provenance/userPaths';
import { groupedFingerprint } from './keyText';
import {
  KEY_LOOKUP_COMMANDS, type FindKeyParams, type FindKeyResult, type ImportKeyParams, type ImportKeyResult, type SignerKeyArgs,
} from './keyLookupProtocol';
import type { HelmProvenanceSettings, RequestResult } from './protocol';

/** What the key look-up needs from the server. */
export interface KeyLookupEnv {
  settings: HelmProvenanceSettings;
  trusted: boolean;
  workspaceFolders: string[];
  /** The first keyring of helmProvenance.keyrings (resolved), when the user configured any. */
  configuredKeyring?: string;
  /** Every keyring the server verifies with. */
  keyringsInUse: string[];
  /** The issuers of the last check of a `.prov` document. */
  issuersOf(uri: string): string[] | undefined;
  /** Workspace KEYS files that list any of these ids. */
  keysListing(ids: string[]): string[];
  /** A keyring file was written: reload the keys and check again. */
  keyringWritten(file: string): Promise<void>;
}

/** Look-ups need the setting on and a trusted workspace; the network is never used otherwise. */
export function lookupsAllowed(env: Pick<KeyLookupEnv, 'settings' | 'trusted'>): boolean {
  return env.settings.keyLookups && env.trusted;
}

/** Quick fixes for each unknown-signer diagnostic of the request. */
export function signerKeyCodeActions(params: CodeActionParams, env: KeyLookupEnv): CodeAction[] {
  const diagnostics = params.context.diagnostics.filter((d) => d.code === 'unknown-signer');
  // Both end in writing the user's keyring: Restricted Mode writes nothing, and an untrusted repository is no place to take keys from.
  if (diagnostics.length === 0 || !env.trusted) return [];
  const issuers = env.issuersOf(params.textDocument.uri) ?? [];
  const actions: CodeAction[] = [];
  for (const issuer of issuers) {
    const args: SignerKeyArgs = { issuer, uri: params.textDocument.uri };
    const shown = groupedFingerprint(issuer);
    if (env.keysListing([issuer]).length > 0) {
      actions.push({
        title: `Import ${shown} from this repository's KEYS…`, kind: CodeActionKind.QuickFix, diagnostics,
        command: { title: "Import from this repository's KEYS", command: KEY_LOOKUP_COMMANDS.importSignerKeyFromKeys, arguments: [args] },
      });
    }
    if (lookupsAllowed(env)) {
      actions.push({
        title: `Look up the key ${shown}…`, kind: CodeActionKind.QuickFix, diagnostics,
        command: { title: 'Look up the key', command: KEY_LOOKUP_COMMANDS.lookUpSignerKey, arguments: [args] },
      });
    }
  }
  return actions;
}

/** Keys shown to the user, by token, so an import writes exactly the key that was shown. */
const shownKeys = new Map<string, LoadedKey>();
const MAX_SHOWN_KEYS = 32;

function remember(key: LoadedKey): string {
  const token = randomBytes(16).toString('hex');
  shownKeys.set(token, key);
  while (shownKeys.size > MAX_SHOWN_KEYS) shownKeys.delete(shownKeys.keys().next().value!);
  return token;
}

function refused(code: string, message: string): { ok: false; error: { code: string; message: string } } {
  return { ok: false, error: { code, message: escapeUntrusted(message, 2000) } };
}

export async function findKeyRequest(params: FindKeyParams, env: KeyLookupEnv): Promise<RequestResult<FindKeyResult>> {
  const target = lookupTargetOf(params.issuer ?? '');
  if (!target || target.email) return refused('lookup-not-found', `"${params.issuer}" is not a fingerprint or key id.`);
  const keysFiles = env.keysListing([params.issuer]);
  let places;
  if (params.from === 'network') {
    if (!env.trusted) return refused('workspace-untrusted', 'Looking keys up is not available in Restricted Mode: trust the workspace to use it.');
    if (!env.settings.keyLookups) return refused('lookups-off', 'Key look-ups are off: turn on helmProvenance.keyLookups (a machine setting) to let Helm Provenance ask the keyservers in helmProvenance.keyservers.');
    places = { keyservers: env.settings.keyservers };
  } else {
    if (keysFiles.length === 0) return refused('lookup-not-found', `No KEYS file in the workspace lists ${params.issuer}.`);
    places = { keysFiles };
  }
  const report = await lookUpKey(target, places);
  const keys = foundKeys(report).map((key) => ({
    fingerprint: key.info.fingerprint,
    userIds: key.info.userIds,
    created: key.info.created.toISOString(),
    expires: key.info.expires?.toISOString() ?? null,
    revoked: key.info.revoked,
    foundAt: report.attempts.filter((a) => a.key?.info.fingerprint === key.info.fingerprint).map((a) => ({ where: a.where, source: a.source })),
    token: remember(key),
  }));
  return {
    ok: true, keys,
    attempts: report.attempts.map((a) => ({ source: a.source, where: a.where, code: a.code, message: a.message })),
    ...(env.configuredKeyring ? { keyring: env.configuredKeyring } : {}),
  };
}

export async function importKeyRequest(params: ImportKeyParams, env: KeyLookupEnv): Promise<RequestResult<ImportKeyResult>> {
  if (!env.trusted) return refused('workspace-untrusted', 'Importing a key is not available in Restricted Mode: it writes your keyring. Trust the workspace to use it.');
  const key = shownKeys.get(params.token ?? '');
  if (!key) return refused('key-not-found', 'That key was not shown in this session (or too long ago): look it up again.');
  const keyring = params.keyring ?? env.configuredKeyring;
  if (!keyring) return refused('keyring-needed', 'No keyring is configured (helmProvenance.keyrings): choose a keyring file to import into.');
  if (!isFullyQualified(keyring, process.platform)) return refused('setting-refused', `${keyring} is not an absolute path.`);
  const inside = folderHolding(keyring, env.workspaceFolders);
  if (inside) return refused('setting-refused', `${keyring} lies inside the workspace folder ${inside}: a repository's files must not hold the keys its charts are checked against. Choose a keyring outside it.`);
  const imported = await importIntoKeyring(path.normalize(keyring), key);
  if (!imported.ok) return refused(imported.error.code, imported.error.message);
  shownKeys.delete(params.token);
  const inUse = env.keyringsInUse.includes(path.normalize(keyring));
  if (inUse) await env.keyringWritten(path.normalize(keyring));
  return { ok: true, fingerprint: imported.value.key.info.fingerprint, keyring: imported.value.file, change: imported.value.change, inUse };
}
