// The two shortcuts around openpgp.js's stream machinery in a signature check: plain armor decoded by
// armor.ts (plainArmorBytes) and a version 4 RSA signature checked with node:crypto (rsaCheck.ts). Each
// must say exactly what openpgp.js says: the armor the same bytes as openpgp.js's `unarmor` for every
// text it takes, and the RSA check the same outcome as openpgp.js for the signed corpus, for edited
// texts and signatures, and at times before the signature or after its expiry; a detached signature's
// check (RSA and Ed25519 over a file hashed as it streams) the same outcome as openpgp.js's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { plainArmorBytes } from '../../server/src/provenance/armor';
import { verifyDetached } from '../../server/src/provenance/detached';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import type { LoadedKey } from '../../server/src/provenance/keyTypes';
import { parseProvenance } from '../../server/src/provenance/provDocument';
import { rsaFastPath } from '../../server/src/provenance/rsaCheck';
import { checkSignature } from '../../server/src/provenance/signatureCheck';
import { ownPackets } from '../../server/src/provenance/packetFacts';
import { plainSignaturePackets } from '../../server/src/provenance/signaturePackets';
import { signedCases, signedKeyrings, signedKeys, signedManifest } from '../support/tools';

function provOf(caseName: string): string | undefined {
  const dir = path.join(signedCases, caseName);
  const prov = fs.readdirSync(dir).find((f) => f.endsWith('.prov'));
  return prov && fs.readFileSync(path.join(dir, prov), 'utf8');
}

const provs = (): [string, string][] => signedManifest().flatMap((c) => {
  const text = provOf(c.case);
  return text ? [[c.case, text] as [string, string]] : [];
});

function signatureBlock(prov: string): string {
  const doc = parseProvenance(prov);
  assert.ok(doc.signature, 'the .prov has a signature block');
  return doc.signature.armored;
}

/** Each line of the armored block changed by each edit, one at a time. */
function armorMutations(armored: string): string[] {
  const lines = armored.split('\n');
  const edits: ((l: string) => string)[] = [
    (l) => `${l}=`, (l) => `=${l}`, (l) => l.slice(1), (l) => `${l}A`, (l) => l.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A')),
    (l) => `Comment: x\n${l}`, (l) => `${l}\n`, (l) => `${l}-`, (l) => l.toLowerCase(), (l) => `${l}\n=AAAA`, () => '',
  ];
  return lines.flatMap((_, i) => edits.map((edit) => [...lines.slice(0, i), edit(lines[i]), ...lines.slice(i + 1)].join('\n')));
}

/** openpgp.js hands unarmored data out as bytes or as a web stream of them. */
async function allOf(data: Uint8Array | ReadableStream<Uint8Array>): Promise<Buffer> {
  if (data instanceof Uint8Array) return Buffer.from(data);
  const parts: Uint8Array[] = [];
  const reader = data.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  return Buffer.concat(parts);
}

describe('plain armor', () => {
  test('every text it takes decodes to the bytes openpgp.js unarmors from it; the corpus is taken', async () => {
    let taken = 0;
    let texts = 0;
    let plain = 0;
    for (const [name, prov] of provs()) {
      const armored = parseProvenance(prov).signature?.armored;
      if (!armored) continue;
      if (plainArmorBytes(armored, 'SIGNATURE')) plain++;
      for (const text of [armored, ...armorMutations(armored)]) {
        texts++;
        const bytes = plainArmorBytes(text, 'SIGNATURE');
        if (!bytes) continue;
        taken++;
        const theirs = await openpgp.unarmor(text);
        assert.equal(theirs.type, openpgp.enums.armor.signature, name);
        assert.deepEqual(Buffer.from(bytes), await allOf(theirs.data), `${name}: ${JSON.stringify(text)}`);
      }
    }
    assert.ok(plain >= 25, `${plain} signature blocks of the corpus are plain armor`);
    assert.ok(taken > 20 && taken < texts, `${taken} of ${texts} texts taken`);
  });

  test('a checksum that does not match, or padding before the last line, is left to openpgp.js', () => {
    const armored = signatureBlock(provOf('valid-rsa2048')!);
    const lines = armored.split('\n');
    const crcAt = lines.findIndex((l) => /^=[A-Za-z0-9+/]{4}$/.test(l));
    if (crcAt >= 0) {
      const wrong = [...lines.slice(0, crcAt), lines[crcAt] === '=AAAA' ? '=AAAB' : '=AAAA', ...lines.slice(crcAt + 1)].join('\n');
      assert.equal(plainArmorBytes(wrong, 'SIGNATURE'), undefined);
    }
    assert.equal(plainArmorBytes(armored.replace(/\n([A-Za-z0-9+/]{8})/, '\n$1=='), 'SIGNATURE'), undefined);
    assert.equal(plainArmorBytes(armored, 'PUBLIC KEY BLOCK'), undefined);
  });
});

describe('signature packets read without web streams', () => {
  /** What a packet list says, for comparing two readings of it. */
  const described = (packets: openpgp.SignaturePacket[]) => Array.from(packets, (p) => ({
    bytes: Buffer.from(p.write()).toString('hex'), type: p.signatureType, hash: p.hashAlgorithm, created: p.created?.getTime(), issuer: p.issuerKeyID.toHex(),
  }));

  test('every byte string it takes gives the packets openpgp.js reads from it; the corpus is taken', async () => {
    let taken = 0;
    let tried = 0;
    let plainLists = 0;
    for (const [name, prov] of provs()) {
      const armored = parseProvenance(prov).signature?.armored;
      const bytes = armored && plainArmorBytes(armored, 'SIGNATURE');
      if (!bytes) continue;
      if (plainSignaturePackets(bytes)) plainLists++;
      const edits = [bytes, bytes.subarray(0, bytes.length - 1), bytes.subarray(1), Buffer.concat([bytes, bytes]), Buffer.concat([bytes, Buffer.from([0])]),
        ...[0, 1, 2, 3, 4, 5, 8].map((at) => { const b = Buffer.from(bytes); b[at] ^= 0x04; return b; })];
      for (const edit of edits) {
        tried++;
        const fast = plainSignaturePackets(edit);
        if (!fast) continue;
        taken++;
        const theirs = (await openpgp.readSignature({ binarySignature: edit })).packets.filterByTag(openpgp.enums.packet.signature) as unknown as openpgp.SignaturePacket[];
        assert.deepEqual(described(fast), described(theirs), `${name}: ${Buffer.from(edit).toString('hex').slice(0, 40)}`);
      }
    }
    assert.ok(plainLists >= 25, `${plainLists} signature blocks of the corpus read without streams`);
    assert.ok(taken > 20 && taken < tried, `${taken} of ${tried} byte strings taken`);
  });
});

describe('version 4 RSA signatures checked with node:crypto', () => {
  async function ringKeys(): Promise<LoadedKey[]> {
    const ring = await loadKeyringFile(path.join(signedKeyrings, 'pubring.gpg'));
    assert.ok(ring.ok);
    return ring.value.keys;
  }

  async function bothWays(prov: string, keys: LoadedKey[], now: Date) {
    try {
      rsaFastPath.enabled = true;
      const fast = await checkSignature(parseProvenance(prov), keys, now);
      rsaFastPath.enabled = false;
      ownPackets.enabled = false;
      const slow = await checkSignature(parseProvenance(prov), keys, now);
      return { fast, slow };
    } finally {
      rsaFastPath.enabled = true;
      ownPackets.enabled = true;
    }
  }

  test('the same outcome as openpgp.js for every case of the signed corpus, now, a year before and in 2200', async () => {
    const keys = await ringKeys();
    let compared = 0;
    for (const [name, prov] of provs()) {
      const doc = parseProvenance(prov);
      if (doc.problems.some((p) => p.severity === 'error')) continue;
      for (const now of [new Date(), new Date(Date.now() - 365 * 86_400_000), new Date('2200-01-01T00:00:00Z')]) {
        const { fast, slow } = await bothWays(prov, keys, now);
        assert.deepEqual(fast, slow, `${name} at ${now.toISOString()}`);
        compared++;
      }
    }
    assert.ok(compared >= 40, `${compared} checks compared`);
  });

  test('edited signed text and edited signature bytes: the same refusal as openpgp.js', async () => {
    const keys = await ringKeys();
    const prov = provOf('valid-rsa2048')!;
    const armored = signatureBlock(prov);
    const bytes = plainArmorBytes(armored, 'SIGNATURE')!;
    const variants = [
      prov.replace('version: 1.2.3', 'version: 1.2.4'),
      prov.replace(/\nfiles:/, '\nfiles: \n'),
      // The last bytes are the RSA value; earlier ones the left 16 bits of the digest and the hashed data.
      ...[bytes.length - 1, bytes.length - 40, 30, 40].map((at) => {
        const edited = Buffer.from(bytes);
        edited[at] ^= 0x01;
        return prov.replace(armored, `${openpgp.armor(openpgp.enums.armor.signature, edited)}`.replace(/\r/g, ''));
      }),
    ];
    const codes = new Set<string>();
    for (const text of variants) {
      const { fast, slow } = await bothWays(text, keys, new Date());
      assert.deepEqual(fast, slow, JSON.stringify(text.slice(0, 400)));
      codes.add(fast.code);
    }
    assert.ok(codes.has('signature-invalid'), `codes: ${[...codes].join(', ')}`);
  });
});

describe('detached signatures (verify-file, release artifacts) checked with node:crypto as they stream', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detached-fast-'));
  const artifact = path.join(dir, 'release.tar.gz');
  fs.writeFileSync(artifact, Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a));
  const tampered = path.join(dir, 'tampered.tar.gz');
  fs.writeFileSync(tampered, Buffer.concat([fs.readFileSync(artifact), Buffer.from('x')]));

  async function sign(key: string, options: { armored: boolean; text?: boolean; hash?: number }): Promise<string> {
    const signingKeys = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, `${key}.sec.gpg`)) });
    const bytes = fs.readFileSync(artifact);
    const message = options.text ? await openpgp.createMessage({ text: bytes.toString('latin1') }) : await openpgp.createMessage({ binary: bytes });
    const config = options.hash ? { preferredHashAlgorithm: options.hash } : undefined;
    const signature = options.armored
      ? await openpgp.sign({ message, signingKeys, detached: true, format: 'armored', config })
      : await openpgp.sign({ message, signingKeys, detached: true, format: 'binary', config });
    const file = path.join(dir, `${key}-${options.text ? 'text' : 'binary'}-${options.hash ?? 'default'}.${options.armored ? 'asc' : 'sig'}`);
    fs.writeFileSync(file, signature as string | Uint8Array);
    return file;
  }

  async function bothWays(file: string, signature: string, keys: LoadedKey[], now: Date) {
    try {
      rsaFastPath.enabled = true;
      const fast = await verifyDetached(file, signature, keys, { now });
      rsaFastPath.enabled = false;
      ownPackets.enabled = false;
      const slow = await verifyDetached(file, signature, keys, { now });
      return { fast, slow };
    } finally {
      rsaFastPath.enabled = true;
      ownPackets.enabled = true;
    }
  }

  test('the same outcome as openpgp.js: RSA, Ed25519, ECDSA; binary, armored, text; SHA-256/512; tampered, unknown signer; now, a year before, 2200', async () => {
    const ring = await loadKeyringFile(path.join(signedKeyrings, 'pubring.gpg'));
    assert.ok(ring.ok);
    const others = await loadKeyringFile(path.join(signedKeys, 'brainpool.pub.gpg'));
    assert.ok(others.ok);
    const signatures = [
      await sign('rsa2048', { armored: true }), await sign('rsa2048', { armored: false, hash: openpgp.enums.hash.sha512 }),
      await sign('rsa4096', { armored: false }), await sign('ed25519', { armored: true }), await sign('ed25519', { armored: false, hash: openpgp.enums.hash.sha384 }),
      await sign('nistp256', { armored: true }), await sign('rsa2048', { armored: true, text: true }),
    ];
    const codes = new Set<string>();
    let compared = 0;
    for (const signature of signatures) {
      for (const file of [artifact, tampered]) {
        for (const keys of [ring.value.keys, others.value.keys]) {
          for (const now of [new Date(), new Date(Date.now() - 365 * 86_400_000), new Date('2200-01-01T00:00:00Z')]) {
            const { fast, slow } = await bothWays(file, signature, keys, now);
            assert.deepEqual(fast, slow, `${path.basename(signature)} over ${path.basename(file)} at ${now.toISOString()}`);
            codes.add(fast.code);
            compared++;
          }
        }
      }
    }
    assert.equal(compared, 84);
    for (const code of ['verified', 'signature-invalid', 'unknown-signer']) assert.ok(codes.has(code), `codes: ${[...codes].join(', ')}`);
  });

  test('edited signature bytes: the same refusal as openpgp.js', async () => {
    const ring = await loadKeyringFile(path.join(signedKeyrings, 'pubring.gpg'));
    assert.ok(ring.ok);
    let compared = 0;
    for (const key of ['rsa2048', 'ed25519']) {
      const bytes = fs.readFileSync(await sign(key, { armored: false }));
      for (const at of [bytes.length - 1, bytes.length - 40, 30, 40]) {
        const edited = Buffer.from(bytes);
        edited[at] ^= 0x01;
        const file = path.join(dir, `${key}-edited-${at}.sig`);
        fs.writeFileSync(file, edited);
        const { fast, slow } = await bothWays(artifact, file, ring.value.keys, new Date());
        assert.deepEqual(fast, slow, `${key}, byte ${at}`);
        compared++;
      }
    }
    assert.equal(compared, 8);
  });
});
