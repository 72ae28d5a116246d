// Child process of the repository benchmark: the floor of verifying one chart, i.e. what no verifier of
// a signed chart can skip, done with the engine's own primitives in a tight loop over the same charts.
// Per chart: read the archive and take its SHA-256 (node:crypto, as hash.ts does), check that the
// `.prov` names that digest, read the `.prov` and parse its cleartext and signature packet (openpgp.js),
// and verify that signature packet over the signed text with the signer's key packet (openpgp.js's
// SignaturePacket.verify, as signatureCheck.ts calls it). Nothing else: no YAML, no tar walk, no key
// policy, no output. The signer's key is read once, before the loop, as one verify process reads its
// keyring once. One chart at a time.
//
// Usage: node verifyFloorChild.js <public keyring> <passes> <archive>...
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as openpgp from 'openpgp';
import { elapsedMs } from './stats';

export interface VerifyFloorReport {
  /** Loading openpgp.js and reading the key, ms. */
  setupMs: number;
  /** Each pass over all the archives, ms; the first one includes V8's warm-up of the code. */
  passesMs: number[];
}

/** The literal data packet's public method, which openpgp.js's typings mark private. */
interface LiteralText { setText(text: string): void }

/** The signature packet of a cleartext message: a public field missing from openpgp.js's typings. */
function signaturePacket(message: openpgp.CleartextMessage): openpgp.SignaturePacket {
  const packet = (message as unknown as { signature: openpgp.Signature }).signature.packets[0];
  if (!packet) throw new Error('no signature packet');
  return packet;
}

async function verifyOne(archive: string, keyPacket: openpgp.PublicKeyPacket | openpgp.PublicSubkeyPacket, now: Date): Promise<void> {
  const digest = createHash('sha256').update(fs.readFileSync(archive)).digest('hex');
  const prov = fs.readFileSync(`${archive}.prov`, 'utf8');
  if (!prov.includes(`sha256:${digest}`)) throw new Error(`${archive}.prov does not name the archive's digest ${digest}`);
  const message = await openpgp.readCleartextMessage({ cleartextMessage: prov });
  const packet = signaturePacket(message);
  const literal = new openpgp.LiteralDataPacket();
  (literal as unknown as LiteralText).setText(message.getText());
  await packet.verify(keyPacket, packet.signatureType!, literal, now, true);
}

async function main(keyring: string, passes: number, archives: string[]): Promise<void> {
  const setupStart = process.hrtime.bigint();
  const [key] = await openpgp.readKeys({ binaryKeys: fs.readFileSync(keyring) });
  const first = await openpgp.readCleartextMessage({ cleartextMessage: fs.readFileSync(`${archives[0]}.prov`, 'utf8') });
  // The key packet the signatures name: the signer's signing key (its primary, for Helm's test key).
  const issuer = signaturePacket(first).issuerKeyID;
  const [signing] = key.getKeys(issuer);
  if (!signing) throw new Error(`${keyring} holds no key ${issuer.toHex()}`);
  const keyPacket = signing.keyPacket as openpgp.PublicKeyPacket | openpgp.PublicSubkeyPacket;
  const setupMs = elapsedMs(setupStart);
  const now = new Date();
  const passesMs: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const start = process.hrtime.bigint();
    for (const archive of archives) await verifyOne(archive, keyPacket, now);
    passesMs.push(elapsedMs(start));
  }
  const report: VerifyFloorReport = { setupMs, passesMs };
  process.stdout.write(JSON.stringify(report));
}

const [keyring, passes, ...archives] = process.argv.slice(2);
main(keyring, Number(passes), archives).catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
