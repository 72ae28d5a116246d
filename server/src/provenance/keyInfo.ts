// Describes a key from its own material and self-signatures: never from a listing, a file name or a
// user id claim. Validity of every self-signature is checked cryptographically here. openpgp.js is
// loaded by the first description (a start that checks with node:crypto only never evaluates it).
import type * as openpgp from 'openpgp';
import type { KeyInfo, KeyPart } from './keyTypes';
import { countWork } from './work';

type SignaturePacket = openpgp.SignaturePacket;
export type AnyKeyPacket = openpgp.PublicKeyPacket | openpgp.SecretKeyPacket | openpgp.PublicSubkeyPacket | openpgp.SecretSubkeyPacket;

export interface DescribeTools {
  pgp: typeof openpgp;
  /**
   * openpgp.js refuses DSA, ElGamal, short RSA and MD5/RIPEMD self-signatures by default. A weak key must
   * still be described (and reported as weak), so description uses this permissive policy.
   * Never pass it to a signature verification: verify with openpgp's defaults.
   */
  describeConfig: openpgp.Config;
}

let tools: DescribeTools | undefined;

/** openpgp.js and the description policy, loaded on first use. */
export async function describeTools(): Promise<DescribeTools> {
  if (tools) return tools;
  const pgp = await import('openpgp');
  tools = {
    pgp,
    describeConfig: { ...pgp.config, minRSABits: 0, rejectPublicKeyAlgorithms: new Set(), rejectHashAlgorithms: new Set(), rejectCurves: new Set() },
  };
  return tools;
}

const MIN_RSA_BITS = 2048;

const curveNames: Record<string, { name: string; bits: number }> = {
  ed25519Legacy: { name: 'ed25519', bits: 255 },
  curve25519Legacy: { name: 'cv25519', bits: 255 },
  nistP256: { name: 'nistp256', bits: 256 },
  nistP384: { name: 'nistp384', bits: 384 },
  nistP521: { name: 'nistp521', bits: 521 },
  secp256k1: { name: 'secp256k1', bits: 256 },
  brainpoolP256r1: { name: 'brainpoolP256r1', bits: 256 },
  brainpoolP384r1: { name: 'brainpoolP384r1', bits: 384 },
  brainpoolP512r1: { name: 'brainpoolP512r1', bits: 512 },
};

/** Algorithm names as GnuPG prints them (`rsa`, `dsa`, `elgamal`, `ed25519`, `cv25519`, `nistp256`, ...). */
function algorithmOf(packet: AnyKeyPacket): { algorithm: string; bits?: number } {
  const info = packet.getAlgorithmInfo();
  switch (info.algorithm) {
    case 'rsaEncryptSign': case 'rsaEncrypt': case 'rsaSign': return { algorithm: 'rsa', bits: info.bits };
    case 'dsa': return { algorithm: 'dsa', bits: info.bits };
    case 'elgamal': return { algorithm: 'elgamal', bits: info.bits };
    case 'ed25519': return { algorithm: 'ed25519', bits: 255 };
    case 'x25519': return { algorithm: 'cv25519', bits: 255 };
    case 'ed448': return { algorithm: 'ed448', bits: 448 };
    case 'x448': return { algorithm: 'cv448', bits: 448 };
    default: {
      const curve = info.curve ? curveNames[info.curve] : undefined;
      if (curve) return { algorithm: curve.name, bits: curve.bits };
      return { algorithm: info.curve ?? info.algorithm };
    }
  }
}

const signingAlgorithms = new Set<string>(['rsaEncryptSign', 'rsaSign', 'dsa', 'ecdsa', 'eddsaLegacy', 'ed25519', 'ed448']);

const encryptingAlgorithms = new Set<string>(['rsaEncryptSign', 'rsaEncrypt', 'elgamal', 'ecdh', 'x25519', 'x448']);

/** gpg's usage letters (in its order S, C, E, A) from key flags; without flags, from the algorithm. */
function usageOf(packet: AnyKeyPacket, signature: SignaturePacket | undefined, isPrimary: boolean, { pgp }: DescribeTools): string {
  const flags = signature?.keyFlags?.[0];
  const { keyFlags } = pgp.enums;
  if (flags !== undefined && (signature?.keyFlags?.length ?? 0) > 0) {
    return [
      [keyFlags.signData, 'S'], [keyFlags.certifyKeys, 'C'],
      [keyFlags.encryptCommunication | keyFlags.encryptStorage, 'E'], [keyFlags.authentication, 'A'],
    ].filter(([bit]) => (flags & (bit as number)) !== 0).map(([, letter]) => letter).join('');
  }
  const algorithm = packet.getAlgorithmInfo().algorithm;
  return `${signingAlgorithms.has(algorithm) ? 'S' : ''}${isPrimary ? 'C' : ''}${encryptingAlgorithms.has(algorithm) ? 'E' : ''}`;
}

/** Key flags allow signing data; without flags (old keys) GnuPG goes by what the algorithm can do. */
function flagsAllowSigning(packet: AnyKeyPacket, signature: SignaturePacket | undefined, { pgp }: DescribeTools): boolean {
  if (!signature) return false;
  if (signature.keyFlags && signature.keyFlags.length > 0) return (signature.keyFlags[0] & pgp.enums.keyFlags.signData) !== 0;
  return signingAlgorithms.has(packet.getAlgorithmInfo().algorithm);
}

function weaknessOf(algorithm: string, bits: number | undefined): string | undefined {
  if (algorithm === 'rsa' && (bits ?? 0) < MIN_RSA_BITS) return `RSA key of ${bits} bits: fewer than ${MIN_RSA_BITS}`;
  if (algorithm === 'dsa') return 'DSA key: DSA is deprecated for signatures (FIPS 186-5) and refused by openpgp.js';
  if (algorithm === 'elgamal') return 'ElGamal key: obsolete, and never valid for signatures';
  return undefined;
}

/** Key expiry from a self- or binding signature; undefined = never. */
function expiryOf(packet: AnyKeyPacket, signature: SignaturePacket | undefined): Date | undefined {
  if (!signature || signature.keyNeverExpires !== false || !signature.keyExpirationTime) return undefined;
  return new Date(packet.created.getTime() + signature.keyExpirationTime * 1000);
}

function earliest(...dates: (Date | undefined)[]): Date | undefined {
  return dates.reduce<Date | undefined>((min, d) => (d && (!min || d < min) ? d : min), undefined);
}

/**
 * Signature checking a file may cause, in units of about a millisecond here: a KEYS file of DSA keys,
 * each carrying hundreds of self-signatures that fail only at the last step, cost 7.8 s per 200 KB.
 */
export interface VerificationBudget {
  /** Takes `units`; false when the file's budget is spent. */
  spend(units: number): boolean;
}

/** Thrown when a key cannot be described within its file's verification budget; the key is skipped. */
export class VerificationBudgetSpent extends Error {}

/** Largest RSA modulus checked: GnuPG makes none larger, and beyond it openpgp.js leaves native crypto for slow big-integer maths. */
const MAX_RSA_BITS = 16384;
/** Largest RSA public exponent: real keys use 65537; a 16 384-bit one made each check take ~15 s in big-integer maths. */
const MAX_RSA_EXPONENT_BITS = 32;
/** Largest DSA prime (FIPS 186 and GnuPG stop at 3072 bits); DSA is always checked in big-integer maths. */
const MAX_DSA_BITS = 3072;

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return i === bytes.length ? 0 : (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}

/** Why checking a signature by this key would cost far more than any real key does, or undefined. */
export function absurdParameters(packet: AnyKeyPacket): string | undefined {
  const { algorithm, bits = 0 } = packet.getAlgorithmInfo();
  if (algorithm.startsWith('rsa')) {
    if (bits > MAX_RSA_BITS) return `RSA key of ${bits} bits: larger than ${MAX_RSA_BITS}, the most any OpenPGP implementation makes`;
    const e = (packet.publicParams as { e?: Uint8Array }).e;
    const exponentBits = e ? bitLength(e) : 0;
    if (exponentBits > MAX_RSA_EXPONENT_BITS) return `RSA public exponent of ${exponentBits} bits: real keys use 65537 (17 bits), and checking with it would take seconds per signature`;
  }
  if (algorithm === 'dsa' && bits > MAX_DSA_BITS) return `DSA key of ${bits} bits: larger than ${MAX_DSA_BITS}, the most DSA allows`;
  return undefined;
}

/**
 * Units one signature check by this key costs, from its real parameters (measured per check here: RSA up
 * to 4096 bits and ECC ≤ 1 ms, NIST P-384/521 2 ms, DSA 8–14 ms; RSA time grows with the square of the
 * modulus). Keys with absurd parameters are refused before any check (absurdParameters).
 */
export function checkCost(packet: AnyKeyPacket): number {
  const { algorithm, bits = 0, curve } = packet.getAlgorithmInfo();
  if (algorithm.startsWith('rsa')) return Math.max(1, Math.ceil(bits / 4096) ** 2);
  if (algorithm === 'dsa') return 15 * Math.max(1, Math.ceil(bits / 2048));
  return curve === 'nistP384' || curve === 'nistP521' ? 2 : 1;
}

/** Thrown when a key's parameters are absurd (absurdParameters); the key is skipped and reported. */
export class KeyUnsupported extends Error {}

type Charge = (signatures: number) => void;

function charger(packet: AnyKeyPacket, budget: VerificationBudget | undefined): Charge {
  const cost = checkCost(packet);
  return (signatures) => {
    if (budget && signatures > 0 && !budget.spend(signatures * cost)) throw new VerificationBudgetSpent();
    countWork('signature-units', signatures * cost);
  };
}

/**
 * The newest signature that verifies. Each is checked as of its own creation time, so a key that has
 * expired since still shows which parts it had; expiry and revocation at `now` are reported separately.
 */
async function newestValid(signatures: SignaturePacket[], check: (s: SignaturePacket, at: Date) => Promise<void>, charge: Charge): Promise<SignaturePacket | undefined> {
  const dated = signatures.filter((s): s is SignaturePacket & { created: Date } => s.created !== null);
  dated.sort((a, b) => b.created.getTime() - a.created.getTime());
  for (const signature of dated) {
    charge(1);
    try {
      await check(signature, signature.created);
      return signature;
    } catch {
      // invalid or not ours: try the next older one
    }
  }
  return undefined;
}

function part(packet: AnyKeyPacket, created: Date, fields: { expires?: Date; revoked: boolean; canSign: boolean; usage: string }): KeyPart {
  const { algorithm, bits } = algorithmOf(packet);
  const weakness = weaknessOf(algorithm, bits);
  return {
    fingerprint: packet.getFingerprint().toUpperCase(),
    keyId: packet.getKeyID().toHex().toUpperCase(),
    algorithm,
    ...(bits !== undefined ? { bits } : {}),
    created,
    ...(fields.expires ? { expires: fields.expires } : {}),
    revoked: fields.revoked,
    canSign: fields.canSign,
    usage: fields.usage,
    ...(weakness ? { weakness } : {}),
  };
}

interface ValidUser { userId: string; certification: SignaturePacket }

async function validUsers(key: openpgp.Key, now: Date, charge: Charge, { pgp, describeConfig }: DescribeTools): Promise<ValidUser[]> {
  const primary = key.keyPacket;
  const users: ValidUser[] = [];
  for (const user of key.users) {
    if (!user.userID) continue; // photo ids
    const data = { userID: user.userID, key: primary };
    const certification = await newestValid(user.selfCertifications, (s, at) =>
      s.verify(primary, pgp.enums.signature.certGeneric, data, at, false, describeConfig), charge);
    if (!certification) continue; // unsigned, or a signature grafted from elsewhere
    charge(user.revocationSignatures.length);
    if (await user.isRevoked(certification, primary, now, describeConfig)) continue;
    users.push({ userId: user.userID.userID, certification });
  }
  return users;
}

/** Like GnuPG: the user id flagged primary with the newest self-signature, else the newest one. */
function primaryOf(users: ValidUser[]): ValidUser | undefined {
  const time = (u: ValidUser): number => u.certification.created?.getTime() ?? 0;
  return [...users].sort((a, b) =>
    Number(b.certification.isPrimaryUserID === true) - Number(a.certification.isPrimaryUserID === true) || time(b) - time(a))[0];
}

/** A subkey with a valid binding; may it sign data (flags allow it and the subkey's back-signature verifies)? */
async function describeSubkey(key: openpgp.Key, subkey: openpgp.Subkey, now: Date, charge: Charge, budget: VerificationBudget | undefined, using: DescribeTools): Promise<{ part: KeyPart; signs: boolean } | undefined> {
  const { pgp, describeConfig } = using;
  const primary = key.keyPacket;
  const data = { key: primary, bind: subkey.keyPacket };
  const binding = await newestValid(subkey.bindingSignatures, (s, at) =>
    s.verify(primary, pgp.enums.signature.subkeyBinding, data, at, false, describeConfig), charge);
  if (!binding) return undefined; // not bound to this key: not part of it
  const canSign = flagsAllowSigning(subkey.keyPacket, binding, using);
  let backSigned = false;
  const embedded = binding.embeddedSignature;
  if (absurdParameters(subkey.keyPacket)) return undefined; // never checked, never a signer
  if (canSign && embedded && embedded.signatureType === pgp.enums.signature.keyBinding && embedded.created) {
    charger(subkey.keyPacket, budget)(1);
    try {
      await embedded.verify(subkey.keyPacket, pgp.enums.signature.keyBinding, data, embedded.created, false, describeConfig);
      backSigned = true;
    } catch {
      // a signing subkey without a valid back-signature could be someone else's key: never a signer
    }
  }
  charge(subkey.revocationSignatures.length);
  const revoked = await subkey.isRevoked(binding, primary, now, describeConfig);
  const described = part(subkey.keyPacket, subkey.getCreationTime(), { expires: expiryOf(subkey.keyPacket, binding), revoked, canSign, usage: usageOf(subkey.keyPacket, binding, false, using) });
  return { part: described, signs: canSign && backSigned };
}

/** Direct-key self-signatures: on every openpgp.js Key at run time, missing from its typings. */
function directSignaturesOf(key: openpgp.Key): SignaturePacket[] {
  return (key as unknown as { directSignatures?: SignaturePacket[] }).directSignatures ?? [];
}

/**
 * Describes a key at `now` (expiry and revocation are judged then). Only self-signed user ids count;
 * subkeys without a valid binding are left out; `signingParts` holds the parts that may sign data.
 * With a `budget`, every signature check is paid from it; VerificationBudgetSpent is thrown when it runs out.
 * A key whose parameters would make checks absurdly slow throws KeyUnsupported before any check.
 */
export async function describeKey(key: openpgp.Key, now: Date = new Date(), budget?: VerificationBudget): Promise<KeyInfo> {
  const primary = key.keyPacket;
  const absurd = absurdParameters(primary);
  if (absurd) throw new KeyUnsupported(absurd);
  const using = await describeTools();
  const { pgp, describeConfig } = using;
  const charge = charger(primary, budget);
  const users = await validUsers(key, now, charge, using);
  const primaryUser = primaryOf(users);
  const direct = await newestValid(directSignaturesOf(key), (s, at) =>
    s.verify(primary, pgp.enums.signature.key, { key: primary }, at, false, describeConfig), charge);
  // Flags live on the primary user id's self-signature, or on a direct-key signature (v6 keys, some v4).
  const flagsSignature = primaryUser?.certification.keyFlags ? primaryUser.certification : direct ?? primaryUser?.certification;
  charge(key.revocationSignatures.length);
  const revoked = await key.isRevoked(undefined, undefined, now, describeConfig);
  const primaryPart = part(primary, key.getCreationTime(), {
    expires: earliest(expiryOf(primary, primaryUser?.certification), expiryOf(primary, direct)),
    revoked,
    canSign: flagsAllowSigning(primary, flagsSignature, using),
    usage: usageOf(primary, flagsSignature, true, using),
  });
  const subkeys: KeyPart[] = [];
  const signingParts: KeyPart[] = primaryPart.canSign ? [primaryPart] : [];
  for (const subkey of key.subkeys) {
    const described = await describeSubkey(key, subkey, now, charge, budget, using);
    if (!described) continue;
    subkeys.push(described.part);
    if (described.signs) signingParts.push(described.part);
  }
  return {
    ...primaryPart,
    userIds: users.map((u) => u.userId),
    ...(primaryUser ? { primaryUserId: primaryUser.userId } : {}),
    subkeys,
    signingParts,
    secret: key.isPrivate(),
  };
}
