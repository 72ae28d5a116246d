// Signs a chart archive with openpgp.js: `<archive>.prov` in Helm 4's layout, written atomically,
// SHA-512, made by the key part whose flags allow signing (Helm always uses the primary, even when it
// may only certify; verifiers then report wrong key usage).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { fail, ok, type Problem, type Result } from './codes';
import { readChartArchive } from './archive';
import { writeFileAtomic } from './atomicWrite';
import { provenanceMetadataYaml } from './go/chartWriter';
import { escapeUntrusted } from './untrustedText';
import { findKeys, loadKeyringFile } from './keyring';
import type { KeyInfo, KeyPart, LoadedKey } from './keyTypes';
import { composeProvenanceBody, finishClearsigned } from './provenanceWriter';
import { defaultSecretKeyringPaths } from './userPaths';

/** Which program made a signature: openpgp.js from a keyring file, or the system gpg (agent, card). */
export type SignBackend = 'openpgp' | 'gpg';

/** What a signing backend made. Never holds a passphrase. */
export interface SignResult {
  backend: SignBackend;
  archivePath: string;
  provPath: string;
  /** Primary fingerprint of the signer's key. */
  fingerprint: string;
  /** Fingerprint of the (sub)key that made the signature. */
  signingKey: string;
  uid?: string;
  /** `sha256:<hex>` of the archive, as the `.prov` states it. */
  digest: string;
  /** From the `Hash:` header, e.g. `SHA512`. */
  hashAlgorithm: string;
  /**
   * gpg only: a passphrase was given but gpg-agent never asked for it (it had the key unlocked
   * already), so the passphrase given was not checked.
   */
  passphraseUnused?: boolean;
}

/**
 * A key found, its signing part chosen and (openpgp.js) unlocked: everything that can fail before an
 * archive exists has been checked, so a caller can decide before packaging.
 */
export interface PreparedSigner {
  backend: SignBackend;
  info: KeyInfo;
  part: KeyPart;
  sign(archivePath: string, expectedSha256?: string): Promise<Result<SignResult>>;
}

export interface SignOptions {
  archivePath: string;
  /** Fingerprint, 16-hex key id (of the primary or a signing subkey), or a unique user-id substring. */
  keyQuery: string;
  /** Keyrings holding secret keys; empty or absent = GnuPG's default secret keyring. */
  secretKeyrings?: string[];
  passphrase?: string;
  /** Time of the signature and of the expiry/revocation checks. */
  now?: Date;
  /** Sign only these bytes: the SHA-256 of the archive as it was checked (against its chart source). */
  expectedSha256?: string;
}

export function keyLabel(info: KeyInfo): string {
  const uid = info.primaryUserId ?? info.userIds[0];
  return uid ? `${info.fingerprint} (${escapeUntrusted(uid)})` : info.fingerprint;
}

const day = (date: Date): string => date.toISOString().slice(0, 10);
const hasExpired = (part: KeyPart, now: Date): boolean => part.expires !== undefined && part.expires.getTime() <= now.getTime();

/** Why one signing part cannot sign now, or undefined when it can. */
function partRefusal(part: KeyPart, now: Date, hasSecret: (part: KeyPart) => boolean): string | undefined {
  if (part.revoked) return 'revoked';
  if (hasExpired(part, now)) return `expired on ${day(part.expires as Date)}`;
  if (part.weakness) return `weak (${part.weakness})`;
  if (!hasSecret(part)) return 'only a stub here, without its secret (a smartcard key signs through gpg)';
  return undefined;
}

/**
 * The part of a key that should make a signature now, as gpg chooses it: the newest valid part whose
 * flags allow signing, or the part the query named. Expired, revoked and weak keys are refused.
 */
export function chooseSigningPart(
  info: KeyInfo, now: Date, hasSecret: (part: KeyPart) => boolean = () => true, query = '',
): Result<KeyPart, 'key-unusable'> {
  const who = keyLabel(info);
  if (info.revoked) return fail('key-unusable', `Key ${who} is revoked and must not sign any more. Choose another key.`);
  if (hasExpired(info, now)) {
    return fail('key-unusable', `Key ${who} expired on ${day(info.expires as Date)}. Extend it (gpg --quick-set-expire ${info.fingerprint} 1y), export it again, or choose another key.`);
  }
  if (info.weakness) {
    return fail('key-unusable', `Key ${who} is weak (${info.weakness}); verifiers reject charts signed with it. Make a new key (ed25519, or RSA of 3072 bits).`);
  }
  if (info.signingParts.length === 0) {
    return fail('key-unusable', `Key ${who} has no part whose flags allow signing (its primary may only certify). Add a signing subkey: gpg --quick-add-key ${info.fingerprint} ed25519 sign.`);
  }
  const refusals: string[] = [];
  const usable = info.signingParts.filter((part) => {
    const why = partRefusal(part, now, hasSecret);
    if (why) refusals.push(`${part.fingerprint} is ${why}`);
    return !why;
  });
  if (usable.length === 0) return fail('key-unusable', `No signing part of key ${who} can sign: ${refusals.join('; ')}.`);
  const named = query.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  const requested = usable.find((part) => part.fingerprint === named || part.keyId === named);
  return ok(requested ?? usable.reduce((newest, part) => (part.created > newest.created ? part : newest)));
}

/** The secret key packet of one part, or undefined when the key holds only its public half. */
function secretPacketOf(key: openpgp.Key, part: KeyPart): openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket | undefined {
  const packet = key.getKeys().find((k) => k.getFingerprint().toUpperCase() === part.fingerprint)?.keyPacket;
  return packet instanceof openpgp.SecretKeyPacket || packet instanceof openpgp.SecretSubkeyPacket ? packet : undefined;
}

/** GnuPG exports card-held and `--export-secret-subkeys` parts as stubs without secret material. */
function holdsSecret(key: openpgp.Key): (part: KeyPart) => boolean {
  return (part) => {
    const packet = secretPacketOf(key, part);
    return packet !== undefined && !packet.isDummy();
  };
}

interface SecretKeys {
  keys: LoadedKey[];
  /** Keyrings that could not be read at all. */
  unreadable: Problem[];
  /** Keys that were skipped, files that hold no keys. */
  problems: Problem[];
  searched: string[];
}

/**
 * Secret keys of the given keyrings (or of the default secret keyring when none is given). A missing
 * default keyring is no problem; a given keyring that cannot be read is.
 */
async function loadSecretKeys(secretKeyrings: string[], now: Date): Promise<SecretKeys> {
  const given = secretKeyrings.length > 0;
  const searched = given ? secretKeyrings : defaultSecretKeyringPaths();
  const result: SecretKeys = { keys: [], unreadable: [], problems: [], searched };
  for (const file of searched) {
    if (!given && !(await fs.stat(file).then((s) => s.isFile(), () => false))) continue;
    const loaded = await loadKeyringFile(file, now);
    if (!loaded.ok) {
      result.unreadable.push(loaded.error);
      continue;
    }
    result.problems.push(...loaded.value.problems);
    result.keys.push(...loaded.value.keys.filter((k) => k.info.secret));
  }
  return result;
}

/**
 * The `.prov` body for an archive: its own Chart.yaml metadata and its SHA-256. With `expectedSha256`,
 * an archive whose bytes are no longer the ones checked before signing is refused.
 */
export async function provenanceBodyFor(archivePath: string, expectedSha256?: string): Promise<Result<{ body: string; digest: string }>> {
  // One read of the archive gives both its metadata and the digest of exactly those bytes.
  const chart = await readChartArchive(archivePath);
  if (!chart.ok) return chart;
  if (expectedSha256 !== undefined && chart.value.sha256 !== expectedSha256) {
    return fail('archive-differs-from-source', `${archivePath} changed after it was compared with its chart source; nothing was signed. Sign again.`);
  }
  const body = composeProvenanceBody(provenanceMetadataYaml(chart.value.metadata), path.basename(archivePath), chart.value.sha256);
  return ok({ body, digest: `sha256:${chart.value.sha256}` });
}

/** Writes `<archive>.prov` atomically from a signer's clearsigned output. */
export async function writeProvenance(archivePath: string, clearsigned: string): Promise<Result<{ provPath: string; hashAlgorithm: string }>> {
  const text = finishClearsigned(clearsigned);
  const provPath = `${archivePath}.prov`;
  const written = await writeFileAtomic(provPath, text);
  if (!written.ok) return written;
  // RFC 4880: a cleartext signature without a Hash header is over MD5 (no signer here omits it).
  return ok({ provPath, hashAlgorithm: /^Hash: *(\S+)/m.exec(text)?.[1] ?? 'MD5' });
}

/** The result both backends report. */
export function signResult(
  backend: SignBackend, archivePath: string, info: KeyInfo, part: KeyPart, digest: string, written: { provPath: string; hashAlgorithm: string },
): SignResult {
  const uid = info.primaryUserId ?? info.userIds[0];
  return { backend, archivePath, provPath: written.provPath, fingerprint: info.fingerprint, signingKey: part.fingerprint, ...(uid ? { uid } : {}), digest, hashAlgorithm: written.hashAlgorithm };
}

/** The key with its signing part unlocked; the loaded key itself stays as it is (locked). */
async function unlockSigningPart(loaded: LoadedKey, part: KeyPart, passphrase: string | undefined): Promise<Result<openpgp.PrivateKey>> {
  const key = loaded.key as openpgp.PrivateKey;
  const packet = secretPacketOf(key, part);
  if (!packet) return fail('key-unusable', `The secret of ${part.fingerprint} is not in ${escapeUntrusted(loaded.source.file)}.`);
  if (packet.isDecrypted()) return ok(key);
  const who = keyLabel(loaded.info);
  if (passphrase === undefined) {
    return fail('passphrase-required', `Key ${who} is protected by a passphrase: give its passphrase, or sign through gpg.`);
  }
  try {
    // decryptKey unlocks a copy, so a key cached by the language server never holds plain secrets.
    return ok(await openpgp.decryptKey({ privateKey: key, passphrase }));
  } catch (e) {
    const reason = (e as Error).message;
    if (/incorrect key passphrase/i.test(reason)) return fail('passphrase-wrong', `Wrong passphrase for key ${who}.`);
    return fail('key-unusable', `Key ${who} cannot be unlocked: ${escapeUntrusted(reason)}.`);
  }
}

async function clearsign(key: openpgp.PrivateKey, part: KeyPart, body: string, date: Date): Promise<Result<string>> {
  const signingKeyIDs = key.getKeys().filter((k) => k.getFingerprint().toUpperCase() === part.fingerprint).map((k) => k.getKeyID());
  try {
    const message = await openpgp.createCleartextMessage({ text: body });
    return ok(await openpgp.sign({
      message, signingKeys: key, signingKeyIDs, date,
      config: { preferredHashAlgorithm: openpgp.enums.hash.sha512 },
    }));
  } catch (e) {
    return fail('key-unusable', `openpgp.js could not sign with ${part.fingerprint}: ${escapeUntrusted((e as Error).message)}.`);
  }
}

export type OpenpgpSignerOptions = Omit<SignOptions, 'archivePath' | 'expectedSha256'>;

/** Finds the key in the secret keyrings, chooses its signing part and unlocks it: ready to sign any archive. */
export async function prepareOpenpgpSigner(options: OpenpgpSignerOptions): Promise<Result<PreparedSigner>> {
  const now = options.now ?? new Date();
  const secrets = await loadSecretKeys(options.secretKeyrings ?? [], now);
  if (secrets.unreadable.length > 0) return fail(secrets.unreadable[0].code, secrets.unreadable[0].message);
  if (secrets.keys.length === 0) {
    const why = secrets.problems.length > 0 ? ` (${secrets.problems[0].message})` : '';
    return fail('key-not-found', `No secret keys in ${secrets.searched.map((f) => escapeUntrusted(f)).join(', ')}${why}. Export yours (gpg --export-secret-keys <fingerprint> > secring.gpg) and pass that keyring, or sign through gpg.`);
  }
  const found = findKeys(secrets.keys, options.keyQuery);
  if (!found.ok) return found;
  const loaded = found.value;
  const part = chooseSigningPart(loaded.info, now, holdsSecret(loaded.key), options.keyQuery);
  if (!part.ok) return part;
  const unlocked = await unlockSigningPart(loaded, part.value, options.passphrase);
  if (!unlocked.ok) return unlocked;
  return ok({
    backend: 'openpgp', info: loaded.info, part: part.value,
    sign: async (archivePath, expectedSha256) => {
      const prepared = await provenanceBodyFor(archivePath, expectedSha256);
      if (!prepared.ok) return prepared;
      const signed = await clearsign(unlocked.value, part.value, prepared.value.body, now);
      if (!signed.ok) return signed;
      const written = await writeProvenance(archivePath, signed.value);
      if (!written.ok) return written;
      return ok(signResult('openpgp', archivePath, loaded.info, part.value, prepared.value.digest, written.value));
    },
  });
}

/** Signs `archivePath` into `<archivePath>.prov` with a secret key from binary/armored keyrings. */
export async function signArchive(options: SignOptions): Promise<Result<SignResult>> {
  const signer = await prepareOpenpgpSigner(options);
  if (!signer.ok) return signer;
  return signer.value.sign(options.archivePath, options.expectedSha256);
}

/** One secret key as a key picker shows it. */
export interface SigningKeyCandidate {
  info: KeyInfo;
  source: LoadedKey['source'];
  /** The part that would make the signature, when the key is usable. */
  signingPart?: KeyPart;
  usable: boolean;
  /** Why the key cannot sign; set when `usable` is false. */
  reason?: string;
  /** A passphrase is needed to sign with it. */
  passphraseProtected: boolean;
}

export interface SigningKeyList {
  keys: SigningKeyCandidate[];
  /** Keyrings that could not be read and keys that were skipped. */
  problems: Problem[];
}

/** How a key picker shows one secret key: usable or not (and why), and whether signing needs a passphrase. */
export function signingCandidate(
  loaded: LoadedKey, now: Date, hasSecret: (part: KeyPart) => boolean, needsPassphrase: (part: KeyPart) => boolean,
): SigningKeyCandidate {
  const part = chooseSigningPart(loaded.info, now, hasSecret);
  const common = { info: loaded.info, source: loaded.source, passphraseProtected: needsPassphrase(part.ok ? part.value : loaded.info) };
  return part.ok ? { ...common, signingPart: part.value, usable: true } : { ...common, usable: false, reason: part.error.message };
}

/** Every secret key of the keyrings (default: GnuPG's secret keyring), usable or not, with the reason. */
export async function listSigningKeys(secretKeyrings: string[] = [], now: Date = new Date()): Promise<SigningKeyList> {
  const secrets = await loadSecretKeys(secretKeyrings, now);
  const keys = secrets.keys.map((loaded) => signingCandidate(loaded, now, holdsSecret(loaded.key), (part) => {
    const packet = secretPacketOf(loaded.key, part);
    return packet !== undefined && !packet.isDummy() && !packet.isDecrypted();
  }));
  return { keys, problems: [...secrets.unreadable, ...secrets.problems] };
}
