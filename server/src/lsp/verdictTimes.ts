// Until when a verdict stays what a check would give: a check depends on the time only through the
// instants at which a key or a signature starts or stops being valid (a key part's creation and expiry,
// a signature's creation and expiry). A verdict judged at `t` is the verdict at any later time before
// the next such instant; from that instant on it must be judged again.
import type { KeyInfo } from '../provenance/keyTypes';
import { plainArmorBytes } from '../provenance/armor';
import type { ProvDocument } from '../provenance/provDocument';
import { firstAfter, keyInstants } from '../provenance/keyTimes';

/**
 * The signature packets' creation and expiry times; undefined when they cannot be read without openpgp.js's
 * streams. Read with openpgp.js's packet parser, loaded here only when the check did not read them.
 */
async function signatureInstants(doc: ProvDocument): Promise<number[] | undefined> {
  if (!doc.signature) return [];
  const bytes = plainArmorBytes(doc.signature.armored, 'SIGNATURE');
  if (!bytes) return undefined;
  const { plainSignaturePackets } = await import('../provenance/signaturePackets');
  const packets = plainSignaturePackets(bytes);
  if (!packets) return undefined;
  const times: number[] = [];
  for (const packet of packets) {
    if (packet.created) times.push(packet.created.getTime());
    const expiry = packet.getExpirationTime();
    if (expiry instanceof Date) times.push(expiry.getTime());
  }
  return times;
}

/**
 * The first instant after `judgedAt` (ms) at which the verdict on `doc` with `keys` may change;
 * `judgedAt` itself when the signature's times cannot be read cheaply (the verdict is then not reused).
 * `signatureTimes`: the times the check itself read from the packets (Outcome.signatureTimes), when it
 * read them; else the packets are read here.
 */
export async function verdictValidUntil(doc: ProvDocument, keys: readonly { info: KeyInfo }[], judgedAt: number, signatureTimes?: number[]): Promise<number> {
  const signature = signatureTimes ?? await signatureInstants(doc);
  if (!signature) return judgedAt;
  return firstAfter([...signature, ...keyInstants(keys)], judgedAt);
}

/** Whether a verdict judged at `judgedAt` and valid until `until` is the verdict at `now` (a clock set back judges again). */
export function verdictHolds(judgedAt: number, until: number, now: number): boolean {
  return now >= judgedAt && now < until;
}
