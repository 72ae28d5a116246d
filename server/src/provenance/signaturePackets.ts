// Signature packets read from their bytes without openpgp.js's stream machinery: openpgp.js's
// `readSignature` runs every packet through web streams, several times the cost of parsing it (bench/
// findings.md). Taken here only when every packet is a signature packet with a definite length whose
// body openpgp.js's own SignaturePacket.read accepts; anything else (other packets, partial lengths,
// trailing bytes, a body it refuses) answers undefined and the caller asks `readSignature`, which
// decides as it always has (test/unit/signatureFastPath.test.ts compares the two).
import * as openpgp from 'openpgp';
import { readPacket } from './keyPackets';

/** openpgp.js's packet parser, public in its code but not in its typings. */
interface ReadablePacket { read(bytes: Uint8Array, config: openpgp.Config): void }

/** openpgp.js's reading of one signature packet body; throws what it throws. */
export function openpgpSignaturePacket(body: Uint8Array): openpgp.SignaturePacket {
  const packet = new openpgp.SignaturePacket();
  (packet as unknown as ReadablePacket).read(body, openpgp.config);
  return packet;
}

export function plainSignaturePackets(bytes: Uint8Array): openpgp.SignaturePacket[] | undefined {
  const packets: openpgp.SignaturePacket[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const raw = readPacket(bytes, offset);
    if (typeof raw === 'string' || raw.tag !== openpgp.enums.packet.signature || !(raw.end > raw.bodyStart)) return undefined;
    try {
      packets.push(openpgpSignaturePacket(bytes.subarray(raw.bodyStart, raw.end)));
    } catch {
      return undefined;
    }
    offset = raw.end;
  }
  return packets.length > 0 ? packets : undefined;
}
