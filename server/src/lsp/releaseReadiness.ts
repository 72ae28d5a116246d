// "Check Release Readiness" on a KEYS file: the release check of `helm-prov release-check` for one key
// of the file, with the user's own keyrings as their copy of the key. Keyservers are asked only when
// key look-ups are allowed (helmProvenance.keyLookups on, trusted workspace); otherwise the answer says
// what was not checked.
import * as path from 'node:path';
import { lookupTargetOf } from '../keyLookup/lookup';
import { releaseCheck } from '../keyLookup/releaseCheck';
import { loadedKeys } from '../provenance/keyCache';
import { loadKeyringFile } from '../provenance/keyring';
import type { CheckKey } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { isFullyQualified } from '../provenance/userPaths';
import { lookupsAllowed, type KeyLookupEnv } from './keyLookupActions';
import type { ReleaseReadinessParams, ReleaseReadinessResult } from './keyLookupProtocol';
import type { RequestResult } from './protocol';
import { uriToPath } from './uris';

export async function releaseReadinessRequest(params: ReleaseReadinessParams, env: KeyLookupEnv, ownKeys: () => Promise<CheckKey[]>): Promise<RequestResult<ReleaseReadinessResult>> {
  const file = uriToPath(params.keysFile ?? '') ?? (isFullyQualified(params.keysFile ?? '', process.platform) ? path.normalize(params.keysFile) : undefined);
  if (!file) return { ok: false, error: { code: 'io-error', message: `${escapeUntrusted(String(params.keysFile))} is not a local file.` } };
  const ring = await loadKeyringFile(file);
  if (!ring.ok) return { ok: false, error: { code: ring.error.code, message: escapeUntrusted(ring.error.message, 2000) } };
  const own = await ownKeys();
  const yours = new Set(own.map((k) => k.info.fingerprint));
  if (params.fingerprint === undefined) {
    const keys = ring.value.keys.map((k) => ({ fingerprint: k.info.fingerprint, ...(k.info.primaryUserId ? { userId: k.info.primaryUserId } : {}), yours: yours.has(k.info.fingerprint) }));
    return { ok: true, keys: [...keys.filter((k) => k.yours), ...keys.filter((k) => !k.yours)] };
  }
  const fingerprint = lookupTargetOf(params.fingerprint)?.fingerprint;
  if (!fingerprint) return { ok: false, error: { code: 'key-not-found', message: `${escapeUntrusted(params.fingerprint)} is not a fingerprint.` } };
  const network = lookupsAllowed(env);
  const notes = [
    ...(network ? [] : [`Publication on keyservers not checked: ${env.trusted ? 'turn on helmProvenance.keyLookups to let the editor ask them' : 'not in Restricted Mode'}.`]),
    'WKD and artifacts are checked by the CLI: helm-prov release-check --key <FPR> --keys-file KEYS --wkd [artifacts…].',
  ];
  const lines = await releaseCheck({
    fingerprint, ownKeys: await loadedKeys(own), keysFiles: [{ file, ring: ring.value }],
    keyservers: network ? env.settings.keyservers : [], wkd: false, days: 30, artifacts: [],
  });
  return { ok: true, lines, notes };
}
