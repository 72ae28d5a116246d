// Simple-signing image signatures checked without gpg: the signed JSON as strictly as containers/image
// reads it, the signature judged by the engine, and hostile messages (compression bombs, nested
// compression, several signatures, tampered content) refused with a code and bounded work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as openpgp from 'openpgp';
import { parseKeyring } from '../../server/src/provenance/keyring';
import type { LoadedKey } from '../../server/src/provenance/keyTypes';
import { resetWork, workDone } from '../../server/src/provenance/work';
import { checkSimpleSignature, parsePayload } from '../../server/src/policy/simpleSignature';
import { MAX_INFLATED_BYTES } from '../../server/src/policy/signedMessage';
import { signedKeys } from '../support/tools';

const digest = `sha256:${'c'.repeat(64)}`;
const reference = 'quay.io/org/app:1';
const now = new Date();

function payload(over: Record<string, unknown> = {}): string {
  return JSON.stringify({ critical: { type: 'atomic container signature', image: { 'docker-manifest-digest': digest }, identity: { 'docker-reference': reference }, ...over }, optional: { creator: 'test', timestamp: 1700000000 } });
}

async function secret(name: string): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, `${name}.sec.gpg`)) });
}

async function publicKeys(name: string): Promise<LoadedKey[]> {
  return (await parseKeyring(fs.readFileSync(path.join(signedKeys, `${name}.pub.gpg`)), name, now)).keys;
}

/** A signed message (one-pass, literal, signature) as openpgp.js writes it. */
async function signed(text: string, keys: openpgp.PrivateKey[]): Promise<Uint8Array> {
  return openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(text) }), signingKeys: keys, format: 'binary' }) as Promise<Uint8Array>;
}

/** Wrapped in a compressed packet as gpg writes it: old format, indeterminate length, ZIP. */
function compressed(inner: Uint8Array, algorithm = 1): Uint8Array {
  const data = algorithm === 1 ? zlib.deflateRawSync(inner) : inner;
  return Buffer.concat([Uint8Array.of(0xa3, algorithm), data]);
}

const acceptsApp = (claimed: string) => claimed === reference;

test('a signature by the policy key, for the digest and identity, is accepted (plain and compressed as gpg writes it)', async () => {
  const keys = await publicKeys('ed25519');
  const message = await signed(payload(), [await secret('ed25519')]);
  for (const bytes of [message, compressed(message)]) {
    const v = await checkSimpleSignature(bytes, keys, digest, acceptsApp, new Date());
    assert.equal(v.code, 'image-accepted', v.message);
    assert.equal(v.signer?.fingerprint, fs.readFileSync(path.join(signedKeys, 'ed25519.fpr'), 'utf8').trim());
  }
});

test('wrong digest, other identity, other key: each its own code', async () => {
  const keys = await publicKeys('ed25519');
  const message = await signed(payload(), [await secret('ed25519')]);
  assert.equal((await checkSimpleSignature(message, keys, `sha256:${'d'.repeat(64)}`, acceptsApp, new Date())).code, 'image-digest-mismatch');
  assert.equal((await checkSimpleSignature(message, keys, digest, () => false, new Date())).code, 'image-identity-mismatch');
  assert.equal((await checkSimpleSignature(message, await publicKeys('rsa2048'), digest, acceptsApp, new Date())).code, 'image-signature-untrusted');
});

test('tampered content and a revoked key are refused', async () => {
  const message = Buffer.from(await signed(payload(), [await secret('ed25519')]));
  const at = message.indexOf(Buffer.from(reference));
  message[at] ^= 1;
  assert.equal((await checkSimpleSignature(message, await publicKeys('ed25519'), digest, () => true, new Date())).code, 'image-signature-invalid');
  const byRevoked = await signed(payload(), [await secret('revoked')]);
  const v = await checkSimpleSignature(byRevoked, await publicKeys('revoked'), digest, acceptsApp, new Date());
  assert.equal(v.code, 'image-signature-invalid');
  assert.match(v.message, /key-revoked/);
});

test('the signed JSON is read strictly: exact critical fields, the signature type, a valid digest', () => {
  assert.equal(typeof parsePayload(Buffer.from(payload())), 'object');
  assert.match(parsePayload(Buffer.from(payload({ extra: 1 }))) as string, /unknown key "extra"/);
  assert.match(parsePayload(Buffer.from(payload({ type: 'cosign container image signature' }))) as string, /not "atomic container signature"/);
  assert.match(parsePayload(Buffer.from(payload({ image: { 'docker-manifest-digest': 'sha256:abc' } }))) as string, /invalid docker-manifest-digest/);
  assert.match(parsePayload(Buffer.from('{"critical": {}, "critical": {}, "optional": {}}')) as string, /not valid JSON/);
  assert.match(parsePayload(Buffer.from(payload().replace('1700000000', '1.5'))) as string, /timestamp is not an integer/);
});

test('a compression bomb is refused after a bounded inflate', async () => {
  const inner = Buffer.concat([Uint8Array.of(0xcb, 0xff, 0xff, 0xff, 0xff), Buffer.alloc(64 * 1024 * 1024)]);
  const bomb = compressed(inner);
  assert.ok(bomb.length < 128 * 1024, `the bomb is small: ${bomb.length}`);
  resetWork();
  const v = await checkSimpleSignature(bomb, await publicKeys('ed25519'), digest, acceptsApp, new Date());
  assert.equal(v.code, 'image-signature-invalid');
  assert.match(v.message, /inflates to more than/);
  assert.ok((workDone()['bytes-inflated'] ?? 0) <= MAX_INFLATED_BYTES);
});

test('nested compression, several signatures, no signature, garbage: refused with a reason', async () => {
  const keys = await publicKeys('ed25519');
  const message = await signed(payload(), [await secret('ed25519')]);
  const nested = await checkSimpleSignature(compressed(compressed(message)), keys, digest, acceptsApp, new Date());
  assert.match(nested.message, /packet of type 8/);
  const twice = await signed(payload(), [await secret('ed25519'), await secret('rsa2048')]);
  assert.match((await checkSimpleSignature(twice, keys, digest, acceptsApp, new Date())).message, /exactly one/);
  const unsigned = (await openpgp.createMessage({ binary: Buffer.from(payload()) })).write() as Uint8Array;
  assert.match((await checkSimpleSignature(unsigned, keys, digest, acceptsApp, new Date())).message, /not signed/);
  assert.equal((await checkSimpleSignature(Buffer.from('not a signature'), keys, digest, acceptsApp, new Date())).code, 'image-signature-invalid');
  assert.equal((await checkSimpleSignature(new Uint8Array(0), keys, digest, acceptsApp, new Date())).code, 'image-signature-invalid');
});
