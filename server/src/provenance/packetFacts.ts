// What the verdict needs of each signature packet (issuer hints, class, hash, creation time), read by
// signatureV4.ts when it reads the whole block, else by openpgp.js; openpgp.js's packet stays at hand
// (read on first use) for the checks only openpgp.js does.
import type * as openpgp from 'openpgp';
import { plainArmorBytes } from './armor';
import { signatureIssuerHints } from './keyPackets';
import { HASH_NAMES, readSignaturesV4, type SignatureV4 } from './signatureV4';

export interface PacketFacts {
  /** The packet as signatureV4.ts read it, when it could. */
  own?: SignatureV4;
  /** The packet as openpgp.js reads it (read on first use when `own` is there: openpgp.js is loaded only then). */
  packet(): Promise<openpgp.SignaturePacket>;
  signatureType: number | null;
  /** Every key id and fingerprint the packet names as its issuer, hashed or not: hints for finding the key, never proof. */
  hints: Set<string>;
  issuer: string; // fingerprint when the packet names one, else key id
  hash: string;
  created: Date;
  /** When the signature stops being valid; undefined: never. */
  expires?: Date;
}

/** Off: signature packets are read by openpgp.js only (the tests compare what the two readings give). */
export const ownPackets = { enabled: true };

function hex(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('hex').toUpperCase() : undefined;
}

/** An openpgp.js error as the reason a check gives. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message.replace(/^Error verifying signed message: /, '') : String(e);
}

function hashName(algo: number | null): string {
  return algo === null ? 'unknown' : HASH_NAMES.get(algo) ?? `hash #${algo}`;
}

function factsOf(packet: openpgp.SignaturePacket): PacketFacts {
  const fingerprint = hex(packet.issuerFingerprint as Uint8Array | null);
  const keyId = packet.issuerKeyID.toHex().toUpperCase();
  // openpgp.js keeps only the last issuer of each kind; a forger may add more in the unhashed area.
  const hints = new Set([keyId, ...(fingerprint ? [fingerprint] : []), ...(signatureIssuerHints(packet.write()) ?? [])]);
  return {
    packet: () => Promise.resolve(packet),
    signatureType: packet.signatureType,
    hints,
    issuer: fingerprint ?? keyId,
    hash: hashName(packet.hashAlgorithm),
    created: packet.created ?? new Date(0),
    ...expiryOf(packet.getExpirationTime()),
  };
}

function ownFactsOf(own: SignatureV4): PacketFacts {
  let packet: Promise<openpgp.SignaturePacket> | undefined;
  return {
    own,
    packet: () => (packet ??= import('./signaturePackets').then((m) => m.openpgpSignaturePacket(own.body))),
    signatureType: own.signatureType,
    hints: new Set([own.issuerKeyId, ...(own.issuerFingerprint ? [own.issuerFingerprint] : []), ...own.issuerHints]),
    issuer: own.issuerFingerprint ?? own.issuerKeyId,
    hash: hashName(own.hashAlgorithm),
    created: own.created,
    ...(own.expires ? { expires: own.expires } : {}),
  };
}

function expiryOf(expiry: Date | number | null): { expires?: Date } {
  return expiry instanceof Date ? { expires: expiry } : {};
}

/** The signature packets of a block, each read by signatureV4.ts when every one can be, else by openpgp.js; a string says why none could. */
export async function readPacketFacts(input: string | Uint8Array): Promise<PacketFacts[] | string> {
  try {
    // Plain armor is decoded here: openpgp.js's streamed unarmor cost more than the rest of reading.
    const bytes = typeof input === 'string' ? plainArmorBytes(input, 'SIGNATURE') : input;
    const own = bytes && ownPackets.enabled ? readSignaturesV4(bytes) : undefined;
    if (own) return own.map(ownFactsOf);
    const openpgp = await import('openpgp');
    const { plainSignaturePackets } = await import('./signaturePackets');
    const plain = bytes && plainSignaturePackets(bytes);
    if (plain) return plain.map(factsOf);
    const parsed = bytes
      ? await openpgp.readSignature({ binarySignature: bytes })
      : await openpgp.readSignature({ armoredSignature: input as string });
    return (parsed.packets.filterByTag(openpgp.enums.packet.signature) as unknown as openpgp.SignaturePacket[]).map(factsOf);
  } catch (e) {
    return errorText(e);
  }
}
