// OpenPGP packet framing (RFC 9580 §4.2) for keyrings, done on raw bytes before openpgp.js sees them.
// Why: openpgp.js parses a whole keyring at once (one bad key fails all) and parses and verifies every
// signature of a key, so a key flooded with 100 000 signatures takes minutes. Here each key is cut out
// on its own and only what describing and verifying needs is kept: the key packets, user ids and the
// key's own self-signatures (newest first, capped). Third-party certifications are never used by this
// project (no web of trust), so they are dropped. Every length is checked against the input.
import { createHash } from 'node:crypto';
import { countWork } from './work';

// Packet tags and signature classes (RFC 9580 §5, §5.2.1), the values of openpgp.js's `enums` tables,
// written out so that reading a keyring's structure does not load openpgp.js.
const PacketTag = {
  signature: 2, secretKey: 5, publicKey: 6, secretSubkey: 7, marker: 10, trust: 12, userID: 13,
  publicSubkey: 14, userAttribute: 17,
} as const;
const SignatureType = {
  certGeneric: 0x10, certPositive: 0x13, subkeyBinding: 0x18, key: 0x1f, keyRevocation: 0x20,
  subkeyRevocation: 0x28, certRevocation: 0x30,
} as const;

/** Limits per key. Real keys stay far below them (Helm's KEYS: at most 3 user ids, 3 subkeys, 15 signatures). */
export const KeyLimits = {
  userIds: 64,
  subkeys: 64,
  /** Self-signatures kept per user id or subkey (newest first); older ones are superseded anyway. */
  selfSignaturesPerComponent: 16,
  /** Above this many signature packets a key is reported as flooded (it still loads, trimmed). */
  signaturesBeforeWarning: 1000,
} as const;

export interface RawPacket {
  tag: number;
  /** Offset of the packet header. */
  start: number;
  bodyStart: number;
  end: number;
}

/** Reads one packet header at `offset`; a string explains why the bytes are not a packet. */
export function readPacket(bytes: Uint8Array, offset: number): RawPacket | string {
  const first = bytes[offset];
  if ((first & 0x80) === 0) return `byte 0x${first.toString(16).padStart(2, '0')} at offset ${offset} does not start an OpenPGP packet`;
  let tag: number;
  let bodyStart: number;
  let length: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const l1 = bytes[offset + 1];
    if (l1 === undefined) return `packet header cut off at offset ${offset}`;
    if (l1 < 192) { length = l1; bodyStart = offset + 2; }
    else if (l1 < 224) {
      if (offset + 2 >= bytes.length) return `packet header cut off at offset ${offset}`;
      length = ((l1 - 192) << 8) + bytes[offset + 2] + 192; bodyStart = offset + 3;
    } else if (l1 === 255) {
      if (offset + 5 >= bytes.length) return `packet header cut off at offset ${offset}`;
      length = readUint(bytes, offset + 2, 4); bodyStart = offset + 6;
    } else return `packet at offset ${offset} uses partial body lengths, which keys never do`;
  } else {
    tag = (first >> 2) & 0x0f;
    const lengthType = first & 0x03;
    if (lengthType === 3) return `packet at offset ${offset} has an indeterminate length, which keys never do`;
    const size = 1 << lengthType;
    if (offset + size >= bytes.length) return `packet header cut off at offset ${offset}`;
    length = readUint(bytes, offset + 1, size); bodyStart = offset + 1 + size;
  }
  const end = bodyStart + length;
  if (end > bytes.length) return `packet at offset ${offset} claims ${length} bytes but only ${bytes.length - bodyStart} remain`;
  return { tag, start: offset, bodyStart, end };
}

function readUint(bytes: Uint8Array, offset: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + bytes[offset + i];
  return value;
}

function hex(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex').toUpperCase();
}

export interface KeyIdentity { fingerprint: string; keyId: string; version: number }

/**
 * Fingerprint and key id of a (public or secret) key packet body, computed over its public part
 * (RFC 9580 §5.5.4). Undefined for versions and algorithms this project does not support.
 */
export function keyIdentity(bytes: Uint8Array, packet: RawPacket): KeyIdentity | undefined {
  const body = bytes.subarray(packet.bodyStart, packet.end);
  const version = body[0];
  const isPublic = packet.tag === PacketTag.publicKey || packet.tag === PacketTag.publicSubkey;
  if (version === 4) {
    const length = isPublic ? body.length : v4PublicLength(body);
    if (length === undefined || length > body.length || length > 0xffff) return undefined;
    const digest = createHash('sha1').update(Uint8Array.of(0x99, length >> 8, length & 0xff)).update(body.subarray(0, length)).digest();
    const fingerprint = digest.toString('hex').toUpperCase();
    return { fingerprint, keyId: fingerprint.slice(-16), version };
  }
  if (version === 6 || version === 5) {
    if (body.length < 10) return undefined;
    const length = isPublic ? body.length : 10 + readUint(body, 6, 4);
    if (length > body.length) return undefined;
    const prefix = Uint8Array.of(version === 6 ? 0x9b : 0x9a, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
    const fingerprint = createHash('sha256').update(prefix).update(body.subarray(0, length)).digest('hex').toUpperCase();
    return { fingerprint, keyId: fingerprint.slice(0, 16), version };
  }
  return undefined;
}

/** Length of the public part of a v4 secret key body: version, time, algorithm, then its public fields. */
function v4PublicLength(body: Uint8Array): number | undefined {
  let p = 6;
  const mpi = (): boolean => {
    if (p + 2 > body.length) return false;
    p += 2 + Math.ceil(readUint(body, p, 2) / 8);
    return p <= body.length;
  };
  const oid = (): boolean => { if (p >= body.length) return false; p += 1 + body[p]; return p <= body.length; };
  switch (body[5]) {
    case 1: case 2: case 3: return mpi() && mpi() ? p : undefined; // RSA: n, e
    case 16: return mpi() && mpi() && mpi() ? p : undefined; // ElGamal: p, g, y
    case 17: return mpi() && mpi() && mpi() && mpi() ? p : undefined; // DSA: p, q, g, y
    case 19: case 22: return oid() && mpi() ? p : undefined; // ECDSA, EdDSA (legacy): curve, point
    case 18: return oid() && mpi() && oid() ? p : undefined; // ECDH: curve, point, KDF parameters
    case 25: return p + 32; // X25519
    case 26: return p + 56; // X448
    case 27: return p + 32; // Ed25519
    case 28: return p + 57; // Ed448
    default: return undefined;
  }
}

interface SignatureHeader {
  type: number;
  /** The last issuer key id and fingerprint given (hashed or not), as openpgp.js reads them. */
  issuerKeyId?: string;
  issuerFingerprint?: string;
  /** Every issuer key id and fingerprint given, in either area: hints, never proof. */
  issuerHints: string[];
  created: number;
}

/** Every issuer a signature packet's body names (key ids and fingerprints, hashed and unhashed), or undefined when unreadable. */
export function signatureIssuerHints(body: Uint8Array): string[] | undefined {
  return readSignatureBody(body)?.issuerHints;
}

/** Type, issuer and creation time of a signature packet, read from its (hashed and unhashed) subpackets. */
function readSignatureHeader(bytes: Uint8Array, packet: RawPacket): SignatureHeader | undefined {
  return readSignatureBody(bytes.subarray(packet.bodyStart, packet.end));
}

function readSignatureBody(body: Uint8Array): SignatureHeader | undefined {
  const version = body[0];
  if (version === 3) {
    if (body.length < 19) return undefined;
    const issuerKeyId = hex(body, 7, 15);
    return { type: body[2], created: readUint(body, 3, 4), issuerKeyId, issuerHints: [issuerKeyId] };
  }
  if (version !== 4 && version !== 5 && version !== 6) return undefined;
  const header: SignatureHeader = { type: body[1], created: 0, issuerHints: [] };
  const lengthSize = version === 6 ? 4 : 2;
  let p = 4;
  for (let area = 0; area < 2; area++) {
    if (p + lengthSize > body.length) return undefined;
    const areaEnd = p + lengthSize + readUint(body, p, lengthSize);
    if (areaEnd > body.length) return undefined;
    p += lengthSize;
    while (p < areaEnd) {
      let length: number;
      if (body[p] < 192) { length = body[p]; p += 1; }
      else if (body[p] < 255) { if (p + 1 >= areaEnd) return undefined; length = ((body[p] - 192) << 8) + body[p + 1] + 192; p += 2; }
      else { if (p + 4 >= areaEnd) return undefined; length = readUint(body, p + 1, 4); p += 5; }
      if (length < 1 || p + length > areaEnd) return undefined;
      const type = body[p] & 0x7f;
      const data = p + 1;
      if (type === 2 && length === 5 && area === 0) header.created = readUint(body, data, 4);
      else if (type === 16 && length === 9) header.issuerHints.push(header.issuerKeyId = hex(body, data, data + 8));
      else if (type === 33 && length >= 21) header.issuerHints.push(header.issuerFingerprint = hex(body, data + 1, p + length));
      p += length;
    }
  }
  return header;
}

/** One key cut out of a keyring, reduced to what describing and verifying it needs. */
export interface KeyBlock {
  /** Offset of the primary key packet in the input. */
  offset: number;
  identity: KeyIdentity;
  secret: boolean;
  /** The kept packets, re-concatenated in their original order and encoding. */
  bytes: Uint8Array;
  /** How many signatures were kept (each may need a verification). */
  signatures: number;
  /** Limits that were hit while reading this key (the key is still usable). */
  trimmed: string[];
}

export interface UnreadableKey { offset: number; message: string }

export interface SplitResult {
  blocks: KeyBlock[];
  /** Keys that could not be cut out: unsupported versions or algorithms, broken framing. */
  unreadable: UnreadableKey[];
  /** Packets that are not part of any key (e.g. a signature given as a keyring): how many, and the first. */
  strayPackets: number;
  firstStray?: string;
  /** True when `maxKeys` keys were cut out and the rest of the input was left unread. */
  stoppedEarly: boolean;
  /**
   * Key revocation signatures standing on their own (a GnuPG revocation certificate, its own armored
   * block): raw packets, applied to the key they name wherever that key is loaded from (keyView.ts).
   */
  revocations: Uint8Array[];
}

interface KeptSignature { packet: RawPacket; created: number }
interface Component { packet: RawPacket; signatures: KeptSignature[]; kept: boolean }

class KeyCollector {
  readonly components: Component[] = [];
  readonly direct: KeptSignature[] = [];
  signatureCount = 0;
  userIds = 0;
  subkeys = 0;
  droppedComponents = 0;
  droppedSelfSignatures = 0;
  constructor(readonly primary: RawPacket, readonly identity: KeyIdentity | undefined) {}

  /** Takes a packet that follows the key; false for a key revocation issued by another key (a revocation certificate appended after this key). */
  add(bytes: Uint8Array, packet: RawPacket): boolean {
    if (packet.tag === PacketTag.userID) {
      this.startComponent(packet, ++this.userIds <= KeyLimits.userIds);
    } else if (packet.tag === PacketTag.publicSubkey || packet.tag === PacketTag.secretSubkey) {
      this.startComponent(packet, ++this.subkeys <= KeyLimits.subkeys);
    } else if (packet.tag === PacketTag.userAttribute) {
      this.startComponent(packet, false); // photo ids: large, never used here
    } else if (packet.tag === PacketTag.signature) {
      this.signatureCount++;
      return this.addSignature(bytes, packet);
    }
    // trust, marker and unknown packets are dropped: they carry nothing a key needs.
    return true;
  }

  private startComponent(packet: RawPacket, kept: boolean): void {
    if (!kept && packet.tag !== PacketTag.userAttribute) this.droppedComponents++;
    this.components.push({ packet, signatures: [], kept });
  }

  private addSignature(bytes: Uint8Array, packet: RawPacket): boolean {
    if (!this.identity) return true;
    const header = readSignatureHeader(bytes, packet);
    if (!header) return true;
    if (!this.issuedByPrimary(header)) return header.type !== SignatureType.keyRevocation;
    const component = this.components[this.components.length - 1];
    let target: KeptSignature[];
    // A key revocation counts wherever it sits in the key (gpg honours one appended after a user id).
    if (!component || header.type === SignatureType.keyRevocation) {
      if (header.type !== SignatureType.key && header.type !== SignatureType.keyRevocation) return true;
      target = this.direct;
    } else {
      if (!component.kept) return true;
      const onUser = component.packet.tag === PacketTag.userID;
      const fits = onUser
        ? (header.type >= SignatureType.certGeneric && header.type <= SignatureType.certPositive) || header.type === SignatureType.certRevocation
        : header.type === SignatureType.subkeyBinding || header.type === SignatureType.subkeyRevocation;
      if (!fits) return true;
      target = component.signatures;
    }
    target.push({ packet, created: header.created });
    if (target.length > KeyLimits.selfSignaturesPerComponent) {
      let oldest = 0;
      for (let i = 1; i < target.length; i++) if (target[i].created < target[oldest].created) oldest = i;
      target.splice(oldest, 1);
      this.droppedSelfSignatures++;
    }
    return true;
  }

  private issuedByPrimary(header: SignatureHeader): boolean {
    const identity = this.identity!;
    if (header.issuerFingerprint) return header.issuerFingerprint === identity.fingerprint;
    return header.issuerKeyId === identity.keyId;
  }

  finish(bytes: Uint8Array): KeyBlock | UnreadableKey {
    const offset = this.primary.start;
    if (!this.identity) {
      const version = bytes[this.primary.bodyStart];
      return { offset, message: `key at offset ${offset} has version ${version} or an algorithm this tool does not support` };
    }
    const kept: RawPacket[] = [this.primary, ...this.direct.map((s) => s.packet)];
    let signatures = this.direct.length;
    for (const component of this.components) {
      if (!component.kept) continue;
      kept.push(component.packet, ...component.signatures.map((s) => s.packet));
      signatures += component.signatures.length;
    }
    const size = kept.reduce((sum, p) => sum + p.end - p.start, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of kept) { out.set(bytes.subarray(p.start, p.end), at); at += p.end - p.start; }
    const trimmed: string[] = [];
    if (this.signatureCount > KeyLimits.signaturesBeforeWarning) {
      trimmed.push(`carries ${this.signatureCount} signatures (certification flooding?); only its own self-signatures were read`);
    }
    if (this.droppedSelfSignatures > 0) {
      trimmed.push(`${this.droppedSelfSignatures} older self-signatures beyond ${KeyLimits.selfSignaturesPerComponent} per user id or subkey were ignored`);
    }
    if (this.droppedComponents > 0) {
      trimmed.push(`${this.droppedComponents} user ids or subkeys beyond ${KeyLimits.userIds} each were ignored`);
    }
    return { offset, identity: this.identity, secret: this.primary.tag === PacketTag.secretKey, bytes: out, signatures, trimmed };
  }
}

/**
 * Cuts a binary keyring (a sequence of transferable public or secret keys) into keys. A framing error
 * drops the key it occurs in (it may be truncated, e.g. missing a revocation) and ends the scan, since
 * nothing after a broken length can be trusted to be aligned.
 */
export function splitKeyring(bytes: Uint8Array, maxKeys = Infinity): SplitResult {
  const result: SplitResult = { blocks: [], unreadable: [], strayPackets: 0, stoppedEarly: false, revocations: [] };
  let current: KeyCollector | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    const packet = readPacket(bytes, offset);
    if (typeof packet === 'string') {
      result.unreadable.push({ offset: current?.primary.start ?? offset, message: packet });
      return result;
    }
    countWork('key-steps');
    offset = packet.end;
    if (packet.tag === PacketTag.publicKey || packet.tag === PacketTag.secretKey) {
      if (current) pushFinished(result, current.finish(bytes));
      if (result.blocks.length + result.unreadable.length >= maxKeys) {
        result.stoppedEarly = true;
        return result;
      }
      current = new KeyCollector(packet, keyIdentity(bytes, packet));
    } else if (current) {
      if (!current.add(bytes, packet)) keepRevocation(result, bytes, packet);
    } else if (isKeyRevocation(bytes, packet)) {
      keepRevocation(result, bytes, packet);
    } else if (packet.tag !== PacketTag.marker && packet.tag !== PacketTag.trust) {
      if (result.strayPackets++ === 0) result.firstStray = `packet of type ${packet.tag} at offset ${packet.start} is not part of a key`;
    }
  }
  if (current) pushFinished(result, current.finish(bytes));
  return result;
}

/** Standalone revocation certificates kept per input; real files hold one per key at most. */
const MAX_STANDALONE_REVOCATIONS = 64;

function isKeyRevocation(bytes: Uint8Array, packet: RawPacket): boolean {
  return packet.tag === PacketTag.signature && readSignatureHeader(bytes, packet)?.type === SignatureType.keyRevocation;
}

function keepRevocation(result: SplitResult, bytes: Uint8Array, packet: RawPacket): void {
  if (result.revocations.length < MAX_STANDALONE_REVOCATIONS) result.revocations.push(bytes.slice(packet.start, packet.end));
}

function pushFinished(result: SplitResult, finished: KeyBlock | UnreadableKey): void {
  if ('identity' in finished) result.blocks.push(finished);
  else result.unreadable.push(finished);
}

/** True when the bytes start like a binary keyring: a public or secret key packet (or a marker). */
export function looksLikeKeyPackets(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const packet = readPacket(bytes, 0);
  if (typeof packet === 'string') return false;
  return packet.tag === PacketTag.publicKey || packet.tag === PacketTag.secretKey || packet.tag === PacketTag.marker;
}
