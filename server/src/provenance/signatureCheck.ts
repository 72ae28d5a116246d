// Checks the PGP signature of a parsed provenance document against the user's keys. The text handed to
// openpgp.js is the signed text our own parser produced, so what is verified is exactly what the rest
// of the engine reads. Key policy (weak, revoked, expired, wrong usage) is decided here from the key
// itself, each with its own code, before the signature is trusted.
import * as openpgp from 'openpgp';
import type { OutcomeCode, Problem, Range } from './codes';
import type { KeyPart, LoadedKey } from './keyTypes';
import type { ProvDocument } from './provDocument';
import { escapeUntrusted } from './untrustedText';

const WEAK_HASHES = new Set(['MD5', 'SHA1', 'RIPEMD']);

export interface Signer {
  fingerprint: string;
  signingKey: string;
  uid?: string;
  uids: string[];
  algorithm: string;
  bits?: number;
  signedAt: Date;
  keyExpires?: Date;
}

export interface SignatureCheck {
  code: OutcomeCode;
  message: string;
  signer?: Signer;
  warnings: Problem[];
  /** Fingerprints (or key ids) the signature packets name as issuers, known keys or not; absent when no packet could be read. */
  issuers?: string[];
  /** Where the problem is when it is not the signature itself (a lying "Hash:" header). */
  range?: Range;
}

interface PacketFacts {
  packet: openpgp.SignaturePacket;
  issuer: string; // fingerprint when the packet names one, else key id
  hash: string;
  created: Date;
}

function hex(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('hex').toUpperCase() : undefined;
}

function day(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function hashName(algo: number | null): string {
  try {
    return algo === null ? 'unknown' : openpgp.enums.read(openpgp.enums.hash, algo).toUpperCase();
  } catch {
    return `hash #${algo}`;
  }
}

function factsOf(packet: openpgp.SignaturePacket): PacketFacts {
  const fpr = hex(packet.issuerFingerprint as Uint8Array | null);
  return {
    packet,
    issuer: fpr ?? packet.issuerKeyID.toHex().toUpperCase(),
    hash: hashName(packet.hashAlgorithm),
    created: packet.created ?? new Date(0),
  };
}

/** The loaded key and the part of it (primary or subkey) that the signature names as issuer. */
function findIssuer(facts: PacketFacts, keys: LoadedKey[]): { key: LoadedKey; part: KeyPart } | undefined {
  const matches = (p: KeyPart) => p.fingerprint === facts.issuer || p.keyId === facts.issuer;
  for (const key of keys) {
    for (const part of [key.info, ...key.info.subkeys]) {
      if (matches(part)) return { key, part };
    }
  }
  return undefined;
}

function signerOf(key: LoadedKey, part: KeyPart, created: Date): Signer {
  const info = key.info;
  return {
    fingerprint: info.fingerprint,
    signingKey: part.fingerprint,
    uid: info.primaryUserId ?? info.userIds[0],
    uids: info.userIds,
    algorithm: part.algorithm,
    bits: part.bits,
    signedAt: created,
    keyExpires: info.expires,
  };
}

function who(signer: Signer): string {
  return `${signer.uid ? escapeUntrusted(signer.uid) + ' ' : ''}(${signer.fingerprint})`;
}

/** Key policy, from the key itself at `now`; undefined when the key may sign. */
function keyPolicy(key: LoadedKey, part: KeyPart, signer: Signer, now: Date): { code: OutcomeCode; message: string } | undefined {
  const info = key.info;
  const weak = info.weakness ?? part.weakness;
  if (weak) {
    return { code: 'weak-key', message: `Signed by ${who(signer)} with a weak key (${weak}). Ask the maintainer to sign with RSA ≥ 2048 bits or Ed25519/ECDSA.` };
  }
  if (info.revoked || part.revoked) {
    return { code: 'key-revoked', message: `Signed by ${who(signer)} on ${day(signer.signedAt)}, but that ${info.revoked ? 'key' : 'signing subkey'} has been revoked. Do not install; ask the maintainer for a release signed with a current key.` };
  }
  const expiry = [info.expires, part.expires].filter((d): d is Date => !!d && d.getTime() <= now.getTime()).sort((a, b) => a.getTime() - b.getTime())[0];
  if (expiry) {
    return { code: 'key-expired', message: `Signed by ${who(signer)} on ${day(signer.signedAt)}, but the key expired on ${day(expiry)}. Refresh the key (gpg --refresh-keys ${info.fingerprint}) if the owner extended it, or ask for a new signature.` };
  }
  if (!info.signingParts.some((p) => p.fingerprint === part.fingerprint)) {
    return { code: 'wrong-key-usage', message: `Signed by ${who(signer)} with key ${part.fingerprint}, which is not allowed to sign data (its flags only certify). Re-sign with the key's signing subkey (helm-prov sign does this; helm package --sign does not).` };
  }
  return undefined;
}

/** Checks one signature packet over the data with a key; undefined when it holds, else why not. */
export type CryptoCheck = (packet: openpgp.SignaturePacket, key: openpgp.Key, now: Date) => Promise<string | undefined>;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message.replace(/^Error verifying signed message: /, '') : String(e);
}

function onePacket(packet: openpgp.SignaturePacket): openpgp.Signature {
  const packets = new openpgp.PacketList<openpgp.SignaturePacket>();
  packets.push(packet);
  return new openpgp.Signature(packets);
}

async function settle(verification: Promise<{ signatures: { verified: Promise<true> }[] }>): Promise<string | undefined> {
  try {
    const { signatures } = await verification;
    if (signatures.length !== 1) return 'the signature could not be matched to the key';
    await signatures[0].verified;
    return undefined;
  } catch (e) {
    return errorText(e);
  }
}

// openpgp.js types omit this public constructor.
const Cleartext = openpgp.CleartextMessage as unknown as new (text: string, signature: openpgp.Signature) => openpgp.CleartextMessage;

/** Cleartext: the text openpgp.js checks is the signed text our parser produced. */
export function cleartextCheck(signedText: string): CryptoCheck {
  return (packet, key, now) => settle(openpgp.verify({
    message: new Cleartext(signedText, onePacket(packet)), verificationKeys: [key], date: now, expectSigned: false,
  }));
}

/**
 * Detached: a signature over the bytes of a release artifact, streamed from `openData()` (a fresh stream
 * per check), so memory stays flat whatever the artifact's size (in memory, 300 MB took 2 GB).
 */
export function detachedCheck(openData: () => ReadableStream<Uint8Array>): CryptoCheck {
  return async (packet, key, now) => {
    try {
      const { data, signatures } = await openpgp.verify({
        message: await openpgp.createMessage({ binary: openData() }), signature: onePacket(packet), verificationKeys: [key], date: now, expectSigned: false, format: 'binary',
      });
      // The digest is computed as the data streams through: read it to the end, then the verdict settles.
      const reader = data.getReader();
      while (!(await reader.read()).done) { /* the bytes themselves are not needed */ }
      return await settle(Promise.resolve({ signatures }));
    } catch (e) {
      return errorText(e);
    }
  };
}

export interface SignatureInput {
  armoredOrBinary: string | Uint8Array;
  keys: LoadedKey[];
  now: Date;
  trustedFingerprints?: string[];
  /** Hash algorithms the armor's "Hash:" headers name (cleartext only). */
  headerHashes?: string[];
  /** Where those headers are. */
  headerRange?: Range;
  /** Signature classes that fit the data: text for cleartext, binary or text for detached files. */
  classes: number[];
  crypto: CryptoCheck;
  /** Where an extra, unchecked signature is reported. */
  range?: Range;
}

async function readPackets(input: string | Uint8Array): Promise<openpgp.SignaturePacket[] | string> {
  try {
    const parsed = typeof input === 'string'
      ? await openpgp.readSignature({ armoredSignature: input })
      : await openpgp.readSignature({ binarySignature: input });
    return parsed.packets.filterByTag(openpgp.enums.packet.signature) as unknown as openpgp.SignaturePacket[];
  } catch (e) {
    return errorText(e);
  }
}

/**
 * Verdict on a set of signatures. Every signature by a known key must hold; signatures by unknown
 * keys are a warning when a known one holds.
 */
export async function judgeSignatures(input: SignatureInput): Promise<SignatureCheck> {
  const warnings: Problem[] = [];
  const packets = await readPackets(input.armoredOrBinary);
  if (typeof packets === 'string') return { code: 'malformed', message: `The signature block cannot be read: ${packets}.`, warnings };
  if (packets.length === 0) return { code: 'malformed', message: 'The signature block holds no signature packet.', warnings };
  const { keys, now } = input;
  const trusted = input.trustedFingerprints?.length ? new Set(input.trustedFingerprints.map((f) => f.replace(/\s/g, '').toUpperCase())) : undefined;
  const allowed = trusted ? keys.filter((k) => trusted.has(k.info.fingerprint)) : keys;
  const headerHashes = new Set(input.headerHashes ?? []);

  const all = packets.map(factsOf);
  const issuers = all.map((f) => f.issuer);
  let first: SignatureCheck | undefined;
  let signer: Signer | undefined;
  const unknown: PacketFacts[] = [];
  for (const facts of all) {
    const { packet } = facts;
    const found = findIssuer(facts, allowed);
    if (!found) { unknown.push(facts); continue; }
    const s = signerOf(found.key, found.part, facts.created);
    const fail = (code: OutcomeCode, message: string, range?: Range) => { first ??= { code, message, signer: s, warnings, issuers, ...(range ? { range } : {}) }; };
    if (headerHashes.size && !headerHashes.has(facts.hash)) {
      fail('malformed', `The "Hash:" header says ${[...headerHashes].join(', ')} but the signature uses ${facts.hash}: the header was edited.`, input.headerRange);
    } else if (WEAK_HASHES.has(facts.hash)) {
      fail('weak-hash', `Signed by ${who(s)} with ${facts.hash}, which is broken for signatures. Ask the maintainer to re-sign (SHA-256 or better).`);
    } else if (!input.classes.includes(packet.signatureType ?? -1)) {
      fail('signature-invalid', `The signature is of class 0x${(packet.signatureType ?? 0).toString(16).padStart(2, '0')}, which does not sign this kind of data.`);
    } else if (facts.created.getTime() > now.getTime()) {
      // openpgp.js refuses it too, but as "does not match": say what is actually wrong.
      fail('signature-invalid', `The signature by ${who(s)} is dated ${day(facts.created)}, later than now (${day(now)}): it cannot be checked before that time. Check this computer's clock, or ask for a new signature.`);
    } else {
      const policy = keyPolicy(found.key, found.part, s, now);
      if (policy) {
        fail(policy.code, policy.message);
      } else {
        const error = await input.crypto(packet, found.key.key, now);
        if (error) fail('signature-invalid', `The signature by ${who(s)} does not match the signed data (${escapeUntrusted(error)}): it was changed after signing.`);
      }
    }
    signer ??= s;
  }
  if (first) return first;
  if (!signer) {
    const named = unknown.map((u) => u.issuer).join(', ');
    const inRings = keys.some((k) => unknown.some((u) => findIssuer(u, [k])));
    const message = inRings
      ? `Signed by ${named}, which is in your keyrings but not in your trusted fingerprints (helmProvenance.trustedFingerprints).`
      : `Signed by key ${named}, which is not in your keyrings. If you trust it, import it (gpg --recv-keys ${named}) or add a keyring that holds it.`;
    return { code: 'unknown-signer', message, warnings, issuers };
  }
  for (const u of unknown) {
    warnings.push({ code: 'unknown-signature', severity: 'warning', message: `Another signature, by key ${u.issuer}, is not in your keyrings and was not checked.`, ...(input.range ? { range: input.range } : {}) });
  }
  const expiry = signer.keyExpires ? `; key expires ${day(signer.keyExpires)}` : '';
  return { code: 'verified', message: `Signed by ${who(signer)} on ${day(signer.signedAt)}${expiry}.`, signer, warnings, issuers };
}

/** The signature verdict of a structurally valid provenance document. */
export function checkSignature(doc: ProvDocument, keys: LoadedKey[], now: Date, trustedFingerprints?: string[]): Promise<SignatureCheck> {
  return judgeSignatures({
    armoredOrBinary: doc.signature!.armored,
    keys, now, trustedFingerprints,
    headerHashes: doc.hashHeaders.flatMap((h) => h.algorithms),
    headerRange: doc.hashHeaders[0]?.range,
    classes: [openpgp.enums.signature.text],
    crypto: cleartextCheck(doc.signedText!),
    range: doc.signature!.range,
  });
}
