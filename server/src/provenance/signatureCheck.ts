// Checks the PGP signature of a parsed provenance document (or a detached signature) against the user's
// keys. The text checked is the signed text our own parser produced, so what is verified is exactly
// what the rest of the engine reads. Which key signed is decided here, by the key packet whose material
// verifies (issuer subpackets are only hints), and key policy (weak, revoked, expired, wrong usage) is
// judged on that key packet at the time of checking, each with its own code.
// openpgp.js is loaded only when a check needs it (a key described from the cache, checked by
// node:crypto, never does).
import type * as openpgp from 'openpgp';
import type { OutcomeCode, Problem, Range } from './codes';
import type { AnyKeyPacket } from './keyInfo';
import type { CheckKey, KeyPart, PartMaterial } from './keyTypes';
import { countWork } from './work';
import { checkRsaV4 } from './rsaCheck';
import { checkEddsaV4, EDDSA_LEGACY, type EddsaKeyMaterial } from './eddsaCheck';
import { errorText, readPacketFacts, type PacketFacts } from './packetFacts';
import { cleartextBytes, signedBytesV4 } from './signatureV4';
import { streamedCheckV4 } from './streamedCheck';
import type { ProvDocument } from './provDocument';
import { escapeUntrusted } from './untrustedText';

const WEAK_HASHES = new Set(['MD5', 'SHA1', 'RIPEMD']);
/** The class of a signature over canonical text (RFC 9580 §5.2.1), openpgp.js's `enums.signature.text`. */
const SIGNATURE_TEXT = 0x01;

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
  /** The packets' creation and expiry times (ms), where the verdict may change (lsp/verdictTimes.ts); absent when no packet could be read. */
  times?: number[];
  /** Where the problem is when it is not the signature itself (a lying "Hash:" header). */
  range?: Range;
}

/** More signature packets than this on one file is no real release signature (a flood re-reads the data per copy). */
const MAX_SIGNATURE_PACKETS = 8;
/** Distinct key materials tried per packet: hints that match more keys than this are a crafted keyring. */
const MAX_CANDIDATES = 4;

function day(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/**
 * How strongly a key owns a key packet: as its primary; as a subkey bound to it with a back-signature
 * (the subkey's owner agreed); or only bound (anyone can bind someone else's key packet as their subkey).
 */
const enum Claim { Primary = 0, SigningSubkey = 1, BoundSubkey = 2 }

interface Candidate { key: CheckKey; part: KeyPart; claim: Claim }

function claimsOn(keys: CheckKey[], matches: (part: KeyPart) => boolean): Candidate[] {
  const found: Candidate[] = [];
  for (const key of keys) {
    if (matches(key.info)) found.push({ key, part: key.info, claim: Claim.Primary });
    for (const part of key.info.subkeys) {
      if (!matches(part)) continue;
      const signs = key.info.signingParts.some((p) => p.fingerprint === part.fingerprint);
      found.push({ key, part, claim: signs ? Claim.SigningSubkey : Claim.BoundSubkey });
    }
  }
  return found;
}

/**
 * One key part as a check takes it: its public values for node:crypto, their check cost, and openpgp.js's
 * key packet on demand. A loaded key's packet is its own material (rsaCheck keeps key objects per packet).
 */
export interface CheckPart { material: PartMaterial; cost: number; keyPacket(): Promise<AnyKeyPacket | undefined> }

/** The part (primary or subkey) of a key that has this fingerprint. */
async function partOf(key: CheckKey, fingerprint: string): Promise<CheckPart | undefined> {
  const packetIn = (k: openpgp.Key) => [k, ...k.subkeys].find((p) => p.getFingerprint().toUpperCase() === fingerprint)?.keyPacket;
  if ('material' in key) {
    const found = key.material.get(fingerprint);
    if (!found) return undefined;
    return { ...found, keyPacket: () => key.loadKey().then(packetIn, () => undefined) };
  }
  const packet = packetIn(key.key);
  if (!packet) return undefined;
  const { checkCost } = await import('./keyInfo');
  return { material: packet as unknown as PartMaterial, cost: checkCost(packet), keyPacket: () => Promise.resolve(packet) };
}

/**
 * Which key material made the signature: every key packet the hints name is tried, and only the one
 * whose public key actually verifies counts (a rewritten unhashed issuer cannot steer the choice).
 */
async function verifyingMaterial(facts: PacketFacts, candidates: Candidate[], crypto: CryptoCheck, now: Date): Promise<{ fingerprint?: string; error?: string }> {
  const tried = new Set<string>();
  let error: string | undefined;
  for (const candidate of candidates) {
    const fingerprint = candidate.part.fingerprint;
    if (tried.has(fingerprint)) continue;
    if (tried.size === MAX_CANDIDATES) break;
    tried.add(fingerprint);
    const part = await partOf(candidate.key, fingerprint);
    if (!part) continue;
    countWork('signature-units', part.cost);
    const failed = await crypto(facts, part, now);
    if (!failed) return { fingerprint };
    error ??= failed;
  }
  return { error: error ?? 'no key to check it with' };
}

/**
 * Whose signature it is, once the material is known: the key holding it as primary, else a key holding
 * it as a back-signed subkey, else as a bound subkey. One key packet cannot be two people's: when
 * different keys claim it equally, nobody is named.
 */
function ownerOf(material: string, keys: CheckKey[]): Candidate | Candidate[] {
  const claims = claimsOn(keys, (p) => p.fingerprint === material);
  const best = Math.min(...claims.map((c) => c.claim));
  const owners = claims.filter((c) => c.claim === best);
  const distinct = new Set(owners.map((c) => c.key.info.fingerprint));
  return distinct.size === 1 ? owners[0] : owners;
}

function signerOf(key: CheckKey, part: KeyPart, created: Date): Signer {
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

/** Key policy at `now`, for the key packet that verified and the key that owns it; undefined when it may sign. */
function keyPolicy(owner: Candidate, signer: Signer, now: Date): { code: OutcomeCode; message: string } | undefined {
  const { part } = owner;
  const info = owner.key.info;
  if (owner.claim === Claim.BoundSubkey) {
    return { code: 'wrong-key-usage', message: `The signature was made by key ${part.fingerprint}, which key ${info.fingerprint} lists as a subkey that may not sign data (no signing flag, or no back-signature proving the subkey's owner agreed). It is not verified, and nobody is named as its signer.` };
  }
  const weak = info.weakness ?? part.weakness;
  if (weak) {
    return { code: 'weak-key', message: `Signed by ${who(signer)} with a weak key (${weak}). Ask the maintainer to sign with RSA ≥ 2048 bits or Ed25519/ECDSA.` };
  }
  if (info.revoked || part.revoked) {
    return { code: 'key-revoked', message: `Signed by ${who(signer)} on ${day(signer.signedAt)}, but that ${info.revoked ? 'key' : `signing subkey ${part.fingerprint}`} has been revoked. Do not install; ask the maintainer for a release signed with a current key.` };
  }
  const expiry = [info.expires, part.expires].filter((d): d is Date => !!d && d.getTime() <= now.getTime()).sort((a, b) => a.getTime() - b.getTime())[0];
  if (expiry) {
    const what = part === info || info.expires === expiry ? 'the key' : `its signing subkey ${part.fingerprint}`;
    return { code: 'key-expired', message: `Signed by ${who(signer)} on ${day(signer.signedAt)}, but ${what} expired on ${day(expiry)}. Refresh the key (gpg --refresh-keys ${info.fingerprint}) if the owner extended it, or ask for a new signature.` };
  }
  if (!info.signingParts.some((p) => p.fingerprint === part.fingerprint)) {
    return { code: 'wrong-key-usage', message: `Signed by ${who(signer)} with key ${part.fingerprint}, which is not allowed to sign data (its flags only certify). Re-sign with the key's signing subkey (helm-prov sign does this; helm package --sign does not).` };
  }
  return undefined;
}

/**
 * Checks one signature packet over the data with one key part (never a whole key: which part is tried
 * is this module's choice); undefined when it holds, else why not.
 */
export type CryptoCheck = (facts: PacketFacts, part: CheckPart, now: Date) => Promise<string | undefined>;

/**
 * Hash and key policy are judged by this module with its own codes, so the check itself refuses
 * nothing for them (openpgp.js would call a SHA-1 signature "insecure" after the maths held).
 */
const cryptoConfig = (pgp: typeof openpgp): openpgp.Config => ({ ...pgp.config, rejectHashAlgorithms: new Set(), rejectMessageHashAlgorithms: new Set() });

/** The packet as issued by `keyPacket`: openpgp.js checks the (unhashed, so rewritable) issuer key id first. */
function asIssuedBy(packet: openpgp.SignaturePacket, keyPacket: AnyKeyPacket): openpgp.SignaturePacket {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(packet)), packet) as openpgp.SignaturePacket;
  copy.issuerKeyID = keyPacket.getKeyID();
  return copy;
}

async function settle(verification: Promise<void>): Promise<string | undefined> {
  try {
    await verification;
    return undefined;
  } catch (e) {
    return errorText(e);
  }
}

/** openpgp.js's reading of the packet; the reason as a string should it refuse what signatureV4.ts read. */
async function openpgpPacket(facts: PacketFacts): Promise<openpgp.SignaturePacket | string> {
  try {
    return await facts.packet();
  } catch (e) {
    return errorText(e);
  }
}

/** The literal data packet's public methods, which openpgp.js's typings mark private. */
interface LiteralData { setText(text: string): void; setBytes(bytes: ReadableStream<Uint8Array>, format: number): void; getBytes(): ReadableStream<Uint8Array> }
const literalData = (pgp: typeof openpgp): LiteralData => new pgp.LiteralDataPacket() as unknown as LiteralData;

/** What openpgp.js needs to check a packet: the packet, the key packet, and openpgp.js itself; else why not. */
async function openpgpInputs(facts: PacketFacts, part: CheckPart): Promise<{ pgp: typeof openpgp; packet: openpgp.SignaturePacket; keyPacket: AnyKeyPacket } | string> {
  const packet = await openpgpPacket(facts);
  if (typeof packet === 'string') return packet;
  const keyPacket = await part.keyPacket();
  if (!keyPacket) return 'the key cannot be read';
  return { pgp: await import('openpgp'), packet, keyPacket };
}

/**
 * Cleartext: the text checked is the signed text our parser produced, normalised as openpgp.js does for
 * cleartext; a version 4 RSA or EdDSA packet read by signatureV4.ts is checked with node:crypto, any other by openpgp.js.
 */
export function cleartextCheck(signedText: string): CryptoCheck {
  let data: Buffer | undefined;
  return async (facts, part, now) => {
    if (facts.own) {
      const toHash = signedBytesV4(facts.own, data ??= cleartextBytes(signedText));
      const own = facts.own.publicKeyAlgorithm === EDDSA_LEGACY
        ? checkEddsaV4(facts.own, part.material as EddsaKeyMaterial, toHash, now)
        : checkRsaV4(facts.own, part.material, toHash, now);
      if (own !== 'not-covered') return own;
    }
    const inputs = await openpgpInputs(facts, part);
    if (typeof inputs === 'string') return inputs;
    const { pgp, packet, keyPacket } = inputs;
    const literal = literalData(pgp);
    // openpgp.js types omit this public constructor.
    const Cleartext = pgp.CleartextMessage as unknown as new (text: string, signature: openpgp.Signature) => openpgp.CleartextMessage;
    literal.setText(new Cleartext(signedText, new pgp.Signature(new pgp.PacketList())).getText());
    return settle(asIssuedBy(packet, keyPacket).verify(keyPacket, packet.signatureType!, literal as unknown as openpgp.LiteralDataPacket, now, true, cryptoConfig(pgp)));
  };
}

/**
 * Detached: a signature over the bytes of a release artifact, streamed from `openData()` (a fresh stream
 * per check), so memory stays flat whatever the artifact's size (in memory, 300 MB took 2 GB).
 */
export function detachedCheck(openData: () => ReadableStream<Uint8Array>): CryptoCheck {
  return async (facts, part, now) => {
    // A version 4 RSA or EdDSA binary-class signature: node:crypto as the bytes stream (streamedCheck.ts).
    if (facts.own) {
      const own = await streamedCheckV4(facts.own, part.material, openData, now);
      if (own !== 'not-covered') return own;
    }
    const inputs = await openpgpInputs(facts, part);
    if (typeof inputs === 'string') return inputs;
    const { pgp, packet, keyPacket } = inputs;
    const literal = literalData(pgp);
    literal.setBytes(openData(), pgp.enums.literal.binary);
    const verification = settle(asIssuedBy(packet, keyPacket).verify(keyPacket, packet.signatureType!, literal as unknown as openpgp.LiteralDataPacket, now, true, cryptoConfig(pgp)));
    // The digest is computed as the data streams through: the check reads a passive copy, so the
    // original must be read to the end for it to see every byte.
    try {
      const reader = literal.getBytes().getReader();
      while (!(await reader.read()).done) { /* the bytes themselves are not needed */ }
    } catch (e) {
      await verification;
      return errorText(e);
    }
    return verification;
  };
}

export interface SignatureInput {
  armoredOrBinary: string | Uint8Array;
  keys: CheckKey[];
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

type Verdict = { code: OutcomeCode; message: string; signer?: Signer; range?: Range };

/** The verdict on one signature packet whose hints name known keys. */
async function judgeOne(facts: PacketFacts, candidates: Candidate[], allowed: CheckKey[], input: SignatureInput): Promise<Verdict> {
  const { now } = input;
  const headerHashes = new Set(input.headerHashes ?? []);
  const named = `key ${facts.issuer}`;
  if (!input.classes.includes(facts.signatureType ?? -1)) {
    return { code: 'signature-invalid', message: `The signature is of class 0x${(facts.signatureType ?? 0).toString(16).padStart(2, '0')}, which does not sign this kind of data.` };
  }
  if (facts.created.getTime() > now.getTime()) {
    // openpgp.js refuses it too, but as "does not match": say what is actually wrong.
    return { code: 'signature-invalid', message: `The signature by ${named} is dated ${day(facts.created)}, later than now (${day(now)}): it cannot be checked before that time. Check this computer's clock, or ask for a new signature.` };
  }
  if (headerHashes.size && !headerHashes.has(facts.hash)) {
    return { code: 'malformed', message: `The "Hash:" header says ${[...headerHashes].join(', ')} but the signature uses ${facts.hash}: the header was edited.`, ...(input.headerRange ? { range: input.headerRange } : {}) };
  }
  const material = await verifyingMaterial(facts, candidates, input.crypto, now);
  if (!material.fingerprint) {
    return { code: 'signature-invalid', message: `The signature by ${named} does not match the signed data (${escapeUntrusted(material.error ?? '')}): it was changed after signing, or made by another key.` };
  }
  const owner = ownerOf(material.fingerprint, allowed);
  if (Array.isArray(owner)) {
    const claimants = [...new Set(owner.map((c) => c.key.info.fingerprint))].join(', ');
    return { code: 'unknown-signer', message: `The signature was made by key ${material.fingerprint}, which several keys in your keyrings claim as theirs (${claimants}): who signed cannot be told. Remove the key that is not the signer's.` };
  }
  const signer = signerOf(owner.key, owner.part, facts.created);
  if (WEAK_HASHES.has(facts.hash)) {
    return { code: 'weak-hash', message: `Signed by ${who(signer)} with ${facts.hash}, which is broken for signatures. Ask the maintainer to re-sign (SHA-256 or better).`, signer };
  }
  const policy = keyPolicy(owner, signer, now);
  if (policy) return { ...policy, ...(owner.claim === Claim.BoundSubkey ? {} : { signer }) };
  return { code: 'verified', message: '', signer };
}

/**
 * Verdict on a set of signatures. Every signature by a known key must hold; signatures by unknown
 * keys are a warning when a known one holds.
 */
export async function judgeSignatures(input: SignatureInput): Promise<SignatureCheck> {
  const warnings: Problem[] = [];
  const all = await readPacketFacts(input.armoredOrBinary);
  if (typeof all === 'string') return { code: 'malformed', message: `The signature block cannot be read: ${all}.`, warnings };
  if (all.length === 0) return { code: 'malformed', message: 'The signature block holds no signature packet.', warnings };
  const issuers = all.map((f) => f.issuer);
  const times = all.flatMap((f) => (f.expires ? [f.created.getTime(), f.expires.getTime()] : [f.created.getTime()]));
  if (all.length > MAX_SIGNATURE_PACKETS) {
    return { code: 'malformed', message: `The signature block holds ${all.length} signatures; more than ${MAX_SIGNATURE_PACKETS} is no real release signature, so none was checked.`, warnings, issuers, times };
  }
  const { keys } = input;
  const trusted = input.trustedFingerprints?.length ? new Set(input.trustedFingerprints.map((f) => f.replace(/\s/g, '').toUpperCase())) : undefined;
  const allowed = trusted ? keys.filter((k) => trusted.has(k.info.fingerprint)) : keys;
  const hinted = (keySet: CheckKey[], f: PacketFacts) => claimsOn(keySet, (p) => f.hints.has(p.fingerprint) || f.hints.has(p.keyId))
    .sort((a, b) => a.claim - b.claim);

  let signer: Signer | undefined;
  const unknown: PacketFacts[] = [];
  for (const facts of all) {
    const candidates = hinted(allowed, facts);
    if (candidates.length === 0) { unknown.push(facts); continue; }
    const verdict = await judgeOne(facts, candidates, allowed, input);
    if (verdict.code !== 'verified') return { ...verdict, warnings, issuers, times };
    signer ??= verdict.signer;
  }
  if (!signer) {
    const named = unknown.map((u) => u.issuer).join(', ');
    const inRings = unknown.some((u) => hinted(keys, u).length > 0);
    const message = inRings
      ? `Signed by ${named}, which is in your keyrings but not in your trusted fingerprints (helmProvenance.trustedFingerprints).`
      : `Signed by key ${named}, which is not in your keyrings. If you trust it, import it (gpg --recv-keys ${named}) or add a keyring that holds it.`;
    return { code: 'unknown-signer', message, warnings, issuers, times };
  }
  for (const u of unknown) {
    warnings.push({ code: 'unknown-signature', severity: 'warning', message: `Another signature, by key ${u.issuer}, is not in your keyrings and was not checked.`, ...(input.range ? { range: input.range } : {}) });
  }
  const expiry = signer.keyExpires ? `; key expires ${day(signer.keyExpires)}` : '';
  return { code: 'verified', message: `Signed by ${who(signer)} on ${day(signer.signedAt)}${expiry}.`, signer, warnings, issuers, times };
}

/** The signature verdict of a structurally valid provenance document. */
export function checkSignature(doc: ProvDocument, keys: CheckKey[], now: Date, trustedFingerprints?: string[]): Promise<SignatureCheck> {
  return judgeSignatures({
    armoredOrBinary: doc.signature!.armored,
    keys, now, trustedFingerprints,
    headerHashes: doc.hashHeaders.flatMap((h) => h.algorithms),
    headerRange: doc.hashHeaders[0]?.range,
    classes: [SIGNATURE_TEXT],
    crypto: cleartextCheck(doc.signedText!),
    range: doc.signature!.range,
  });
}
