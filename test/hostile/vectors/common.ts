// Building blocks shared by the vectors: the chart every signed case is about (the Helm-made archive of
// the `valid-rsa2048` corpus case), its signed text, and a verify run through the real entry points.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as openpgp from 'openpgp';
import { loadKeyringFile } from '../../../server/src/provenance/keyring';
import type { LoadedKey } from '../../../server/src/provenance/keyTypes';
import { verifyArchive, type Outcome } from '../../../server/src/provenance/verify';
import { GpgHome, signedCases, signedKeys } from '../../support/tools';
import type { Observation } from '../harness';
import { armor, cleartext, fixtureFingerprint, fixtureSecretKey, signatureBytes, signPacket, type SignatureOptions } from '../support/pgp';

export const ARCHIVE = 'devapp-1.2.3.tgz';
export const PROV = `${ARCHIVE}.prov`;
/** The trusted signer of every signed case: a fixture key whose public key is the case's keyring. */
export const SIGNER = 'rsa2048';
export const signerKeyring = path.join(signedKeys, `${SIGNER}.pub.gpg`);

export function helmArchive(): Buffer {
  return fs.readFileSync(path.join(signedCases, 'valid-rsa2048', ARCHIVE));
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Chart metadata as Helm 4 writes it into a .prov (keys sorted, empty fields dropped). */
export const METADATA = 'apiVersion: v2\nappVersion: 1.16.0\ndescription: A Helm chart for Kubernetes\nname: devapp\ntype: application\nversion: 1.2.3\n';

/** The text Helm 4 signs: metadata, `...`, the files map, with the final newline. */
export function signedText(digest: string, name = ARCHIVE, metadata = METADATA): string {
  return `${metadata}\n...\nfiles:\n  ${name}: ${digest}\n`;
}

export function helmSignedText(archive: Buffer = helmArchive()): string {
  return signedText(`sha256:${sha256(archive)}`);
}

/** An armored signature block by a fixture key (the trusted rsa2048 one unless told). */
export async function signature(text: string, options: SignatureOptions & { key?: openpgp.PrivateKey; crc?: 'good' | 'wrong' | 'none' } = {}): Promise<string> {
  const key = options.key ?? await fixtureSecretKey(SIGNER);
  const sig = await signPacket(text, key.keyPacket as openpgp.SecretKeyPacket, key.keyPacket as openpgp.SecretKeyPacket, options);
  return armor('SIGNATURE', signatureBytes(sig), options.crc ?? 'none');
}

/** Runs `work` with a throw-away gpg home holding the trusted signer's secret key. */
export function withSignerGpg<T>(work: (gpg: GpgHome, fingerprint: string) => T): T {
  const gpg = new GpgHome();
  try {
    gpg.import(path.join(signedKeys, `${SIGNER}.sec.gpg`));
    return work(gpg, fixtureFingerprint(SIGNER));
  } finally {
    gpg.dispose();
  }
}

/** A text-mode signature made by the real gpg with a digest openpgp.js no longer signs with (SHA1, MD5). */
export function gpgSignature(text: string, digest: string): string {
  return withSignerGpg((gpg, fingerprint) => {
    const r = gpg.run(['--textmode', '--digest-algo', digest, '--local-user', fingerprint, '--armor', '--detach-sign'], text);
    if (r.status !== 0) throw new Error(`gpg --detach-sign: ${r.stderr}`);
    return r.stdout;
  });
}

/** A .prov exactly as Helm 4 would write it for `text` (Hash: SHA512, no CRC line), signed by rsa2048. */
export async function helmProv(text: string = helmSignedText()): Promise<string> {
  return cleartext(text, await signature(text));
}

/** Writes the Helm archive and `prov` (text or bytes) into `dir`. */
export function writeSignedCase(dir: string, prov: string | Uint8Array, archive: Buffer = helmArchive()): void {
  fs.writeFileSync(path.join(dir, ARCHIVE), archive);
  fs.writeFileSync(path.join(dir, PROV), prov);
}

export async function keysOf(...files: string[]): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  for (const file of files) {
    const ring = await loadKeyringFile(file);
    if (!ring.ok) throw new Error(ring.error.message);
    keys.push(...ring.value.keys);
  }
  return keys;
}

export function observe(outcome: Outcome): Observation {
  return {
    code: outcome.code,
    verdict: outcome.verdict,
    warnings: outcome.warnings.map((w) => w.code),
    message: outcome.message,
    ...(outcome.signer ? { signer: { fingerprint: outcome.signer.fingerprint, signingKey: outcome.signer.signingKey, uid: outcome.signer.uid, uids: outcome.signer.uids } } : {}),
  };
}

export interface VerifyRun {
  /** Keyring files (default: the trusted signer's public key). */
  keyrings?: string[];
  trustedFingerprints?: string[];
  archive?: string;
  provPath?: string;
}

/** verifyArchive on `<dir>/devapp-1.2.3.tgz` with the given keyrings: the path the CLI and the server take. */
export async function verifyRun(dir: string, options: VerifyRun = {}): Promise<Observation> {
  const keys = await keysOf(...(options.keyrings ?? [signerKeyring]));
  const outcome = await verifyArchive(path.join(dir, options.archive ?? ARCHIVE), {
    keys,
    ...(options.trustedFingerprints ? { trustedFingerprints: options.trustedFingerprints } : {}),
    ...(options.provPath ? { provPath: path.join(dir, options.provPath) } : {}),
  });
  return observe(outcome);
}
