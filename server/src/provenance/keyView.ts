// One view of the keys a check may use, across every source: files, formats, armored blocks. Copies of
// a key are merged per fingerprint, as `gpg --import` of all of them would, and a valid revocation from
// any source wins — a revocation certificate kept in its own block or file, or a revoked copy in a
// second keyring, revokes the key wherever an older copy was found first.
import type * as openpgp from 'openpgp';
import { checkCost, describeKey, describeTools, type DescribeTools } from './keyInfo';
import { addOrMerge, KeyBudget } from './keyLoader';
import type { LoadedKey } from './keyTypes';
import { countWork } from './work';

/** What one source contributes: its keys and the revocation certificates found standing alone in it. */
export interface KeySource {
  keys: LoadedKey[];
  revocations: Uint8Array[];
}

function hex(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('hex').toUpperCase() : undefined;
}

async function readRevocation(bytes: Uint8Array, { pgp }: DescribeTools): Promise<openpgp.SignaturePacket | undefined> {
  try {
    const signature = await pgp.readSignature({ binarySignature: bytes });
    const packet = signature.packets[0] as openpgp.SignaturePacket | undefined;
    return packet?.signatureType === pgp.enums.signature.keyRevocation ? packet : undefined;
  } catch {
    return undefined; // unreadable: it revokes nothing
  }
}

function holds(key: openpgp.Key, revocation: openpgp.SignaturePacket): boolean {
  const bytes = Buffer.from(revocation.write());
  return key.revocationSignatures.some((r) => bytes.equals(r.write()));
}

/**
 * Adds each revocation certificate to the key it names, when the key's own primary key made it; the key
 * is then described again (and so reported revoked). Checks are paid from `budget`. Changes `keys` in place.
 */
export async function applyRevocations(keys: LoadedKey[], revocations: Uint8Array[], now: Date, budget: KeyBudget): Promise<void> {
  if (revocations.length === 0) return;
  const using = await describeTools();
  const { pgp, describeConfig } = using;
  for (const bytes of revocations) {
    const revocation = await readRevocation(bytes, using);
    if (!revocation) continue;
    const byFingerprint = hex(revocation.issuerFingerprint as Uint8Array | null);
    const byKeyId = revocation.issuerKeyID.toHex().toUpperCase();
    for (let i = 0; i < keys.length; i++) {
      const loaded = keys[i];
      if (loaded.info.fingerprint !== byFingerprint && loaded.info.keyId !== byKeyId) continue;
      if (holds(loaded.key, revocation)) continue;
      const cost = checkCost(loaded.key.keyPacket);
      countWork('signature-units', cost);
      if (!budget.spend(cost)) return;
      try {
        await revocation.verify(loaded.key.keyPacket, pgp.enums.signature.keyRevocation, { key: loaded.key.keyPacket }, now, false, describeConfig);
      } catch {
        continue; // not made by this key: a forged or foreign certificate revokes nothing
      }
      const packets = loaded.key.toPacketList();
      const key = loaded.key.isPrivate() ? new pgp.PrivateKey(packets) : new pgp.PublicKey(packets);
      key.revocationSignatures.push(revocation);
      keys[i] = { ...loaded, key, info: await describeKey(key, now, budget).catch(() => ({ ...loaded.info, revoked: true })) };
    }
  }
}

/** Every source's keys merged per fingerprint, with every source's revocations applied. */
export async function keyView(sources: readonly KeySource[], now: Date, budget: KeyBudget = new KeyBudget()): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  for (const source of sources) {
    for (const key of source.keys) await addOrMerge(keys, key, now, budget);
  }
  await applyRevocations(keys, sources.flatMap((s) => s.revocations), now, budget);
  return keys;
}
