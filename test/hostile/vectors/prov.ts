// Hostile `.prov` files. Every signed one is signed for real by the trusted key (rsa2048), so the only
// thing wrong with it is the vector itself; run through verifyArchive as the CLI and the server do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import type { HostileCase, Observation } from '../harness';
import { armor, cleartext, fixtureFingerprint, fixtureSecretKey, MARKER_TAG, packet, signatureBytes, signPacket, type Crc } from '../support/pgp';
import { ARCHIVE, gpgSignature, helmArchive, helmProv, helmSignedText, METADATA, PROV, sha256, signature, SIGNER, signedText, verifyRun, withSignerGpg, writeSignedCase } from './common';

const klass = openpgp.enums.signature;
/** Nesting refused before parsing: only the small `files:` part reaches the YAML parser, never the 100 KB metadata. */
const NESTING_NEVER_PARSED = { budgets: { 'yaml-bytes': 4096 } };

function verifiedBySigner(o: Observation): void {
  assert.equal(o.signer?.fingerprint, fixtureFingerprint(SIGNER), 'the fingerprint is the signing key\'s own');
}

function hasWarning(code: string) {
  return (o: Observation): void => assert.ok(o.warnings?.includes(code), `warning ${code} expected, got ${o.warnings?.join(', ')}`);
}

/** The Helm archive with a byte of its gzip "extra" field changed: it unpacks the same, its digest differs. */
function lookalikeArchive(): Buffer {
  const archive = Buffer.from(helmArchive());
  assert.equal(archive[3] & 0x04, 0x04, 'Helm writes a gzip extra field');
  archive[14] ^= 0x01;
  return archive;
}

/** A signed .prov case: `make` gets the Helm signed text and returns the file's text. */
function signedCase(name: string, make: () => Promise<string | Buffer>, check?: (o: Observation) => void, archive?: () => Buffer): HostileCase {
  return {
    name,
    async setup(dir) { writeSignedCase(dir, await make(), archive?.()); },
    run: (dir) => verifyRun(dir),
    check,
  };
}

/** The Helm signed text signed with `options`, framed as Helm frames it (Hash: SHA512 unless told). */
async function withSignature(options: { type?: number; hash?: number; date?: Date; headers?: string[]; crc?: Crc; text?: string }): Promise<string> {
  const text = options.text ?? helmSignedText();
  return cleartext(text, await signature(text, options), options.headers);
}

async function twoSignatures(corruptFirst: boolean): Promise<string> {
  const text = helmSignedText();
  const key = await fixtureSecretKey(SIGNER);
  const primary = key.keyPacket as openpgp.SecretKeyPacket;
  const a = await signPacket(text, primary, primary, { date: new Date(Date.now() - 120_000) });
  const b = await signPacket(text, primary, primary, { date: new Date(Date.now() - 60_000) });
  const bytes = Buffer.concat([signatureBytes(a, corruptFirst), signatureBytes(b, !corruptFirst)]);
  return cleartext(text, armor('SIGNATURE', bytes, 'none'));
}

function classCase(name: string, type: number): HostileCase {
  return signedCase(name, () => withSignature({ type }));
}

/** The Helm signed text with `extra` YAML added to the Chart metadata, signed by the trusted key. */
function metadataWith(extra: string): Promise<string> {
  return withSignature({ text: helmSignedText().replace('apiVersion: v2\n', `apiVersion: v2\n${extra}`) });
}

/** Nine levels of nine aliases each: 9^9 strings if anything expanded them. */
const BILLION_LAUGHS = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n') + '\n';

/** A fake `files:` text outside the signed block naming a look-alike archive's digest. */
function fakeFilesMap(): string {
  return `files:\n  ${ARCHIVE}: sha256:${sha256(lookalikeArchive())}\n`;
}

async function junkProv(dir: string): Promise<void> {
  // 200 MB of junk, clear-signed by the real gpg (it streams) with the trusted key.
  const junk = path.join(dir, 'junk.txt');
  const fd = fs.openSync(junk, 'w');
  for (let i = 0; i < 200; i++) fs.writeSync(fd, randomBytes(768 * 1024).toString('base64').replace(/.{76}/g, '$&\n'));
  fs.closeSync(fd);
  withSignerGpg((gpg, fingerprint) => {
    const r = gpg.run(['--yes', '--digest-algo', 'SHA512', '--local-user', fingerprint, '--output', path.join(dir, PROV), '--clearsign', junk]);
    assert.equal(r.status, 0, r.stderr);
  });
  fs.rmSync(junk);
  fs.writeFileSync(path.join(dir, ARCHIVE), helmArchive());
}

/** The Helm signed text under a gpg signature with a broken digest, and the matching Hash: header. */
async function weakDigest(digest: string): Promise<string> {
  const text = helmSignedText();
  return cleartext(text, gpgSignature(text, digest), [`Hash: ${digest}`]);
}

export const provCases: HostileCase[] = [
  signedCase('prov-crc24-missing', () => helmProv(), verifiedBySigner),
  signedCase('prov-text-before-fake-files_fail', async () => fakeFilesMap() + await helmProv(), hasWarning('unsigned-content'), lookalikeArchive),
  signedCase('prov-text-after-fake-files_fail', async () => await helmProv() + fakeFilesMap(), hasWarning('unsigned-content'), lookalikeArchive),
  signedCase('prov-two-signed-blocks_fail', async () => await helmProv() + await helmProv(signedText(`sha256:${sha256(lookalikeArchive())}`))),
  signedCase('prov-second-block-glued-to-end-line_fail', async () => (await helmProv()).trimEnd() + await helmProv(signedText(`sha256:${sha256(lookalikeArchive())}`)), undefined, lookalikeArchive),
  signedCase('prov-dash-escaped-empty-line', async () => (await helmProv()).replace('\n\n-----BEGIN PGP SIGNATURE-----', '\n- \n-----BEGIN PGP SIGNATURE-----'), verifiedBySigner),
  signedCase('prov-hash-header-lies_fail', () => withSignature({ headers: ['Hash: SHA256'] })),
  signedCase('prov-hash-header-missing', () => withSignature({ headers: [] }), verifiedBySigner),
  signedCase('prov-hash-header-md5_fail', () => withSignature({ headers: ['Hash: MD5'] })),
  signedCase('prov-hash-sha1-signature_fail', () => weakDigest('SHA1')),
  signedCase('prov-hash-md5-signature_fail', () => weakDigest('MD5')),
  signedCase('prov-comment-header_fail', () => withSignature({ headers: ['Hash: SHA512', 'Comment: signed by the release team'] })),
  signedCase('prov-notdashescaped-header_fail', () => withSignature({ headers: ['NotDashEscaped: You need GnuPG to verify this message', 'Hash: SHA512'] })),
  signedCase('prov-header-control-chars_fail', () => withSignature({ headers: ['Hash: SHA512\u001b[2K\r'] })),
  signedCase('prov-undashed-line_fail', async () => {
    const text = helmSignedText().replace(/^/, '---\n');
    return cleartext(text, await signature(text), undefined, false);
  }),
  signedCase('prov-three-yaml-parts_fail', () => withSignature({ text: helmSignedText().replace('\n...\n', '\n...\nname: evil\n...\n') })),
  signedCase('prov-no-yaml-separator_fail', () => withSignature({ text: helmSignedText().replace('\n...\n', '\n') })),
  signedCase('prov-second-yaml-document_fail', () => withSignature({ text: `${METADATA}---\nname: evil\nversion: 6.6.6\n\n...\nfiles:\n  ${ARCHIVE}: sha256:${sha256(helmArchive())}\n` })),
  signedCase('prov-duplicate-files-key_fail', () => withSignature({
    text: helmSignedText().replace(/\n$/, `\n  ${ARCHIVE}: sha256:${sha256(lookalikeArchive())}\n`),
  })),
  signedCase('prov-uppercase-hex_fail', () => withSignature({ text: signedText(`sha256:${sha256(helmArchive()).toUpperCase()}`) })),
  signedCase('prov-sha512-digest_fail', async () => {
    const digest = (await import('node:crypto')).createHash('sha512').update(helmArchive()).digest('hex');
    return withSignature({ text: signedText(`sha512:${digest}`) });
  }),
  { name: 'prov-200mb-signed-junk_fail', setup: junkProv, run: (dir) => verifyRun(dir) },
  signedCase('prov-empty_fail', async () => ''),
  signedCase('prov-random-bytes_fail', async () => randomBytes(4096)),
  signedCase('prov-truncated_fail', async () => {
    const prov = await helmProv();
    return prov.slice(0, prov.indexOf('-----BEGIN PGP SIGNATURE-----') + 100);
  }),
  signedCase('prov-utf8-bom', async () => `\ufeff${await helmProv()}`, (o) => { verifiedBySigner(o); hasWarning('unsigned-content')(o); }),
  classCase('prov-signature-class-binary_fail', klass.binary),
  classCase('prov-signature-class-standalone_fail', klass.standalone),
  classCase('prov-signature-class-timestamp_fail', klass.timestamp),
  classCase('prov-signature-class-certification_fail', klass.certPositive),
  signedCase('prov-marker-packet-only_fail', async () => cleartext(helmSignedText(), armor('SIGNATURE', packet(MARKER_TAG, Buffer.from('PGP')), 'good'))),
  signedCase('prov-two-signatures-first-corrupt_fail', () => twoSignatures(true)),
  signedCase('prov-two-signatures-second-corrupt_fail', () => twoSignatures(false)),
  signedCase('prov-crc24-wrong', () => withSignature({ crc: 'wrong' }), verifiedBySigner),
  signedCase('prov-crc24-present', () => withSignature({ crc: 'good' }), verifiedBySigner),
  { ...signedCase('prov-yaml-deep-block-nesting_fail', () => metadataWith(`deep:\n${'- '.repeat(50_000)}x\n`)), ...NESTING_NEVER_PARSED },
  { ...signedCase('prov-yaml-deep-flow-nesting_fail', () => metadataWith(`deep: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)), ...NESTING_NEVER_PARSED },
  signedCase('prov-yaml-billion-laughs', () => metadataWith(BILLION_LAUGHS), verifiedBySigner),
  signedCase('prov-yaml-90000-keys_fail', () => metadataWith(Array.from({ length: 90_000 }, (_, i) => `k${i}: v\n`).join(''))),
  {
    name: 'prov-yaml-proto-keys',
    async setup(dir) {
      const digest = `sha256:${sha256(helmArchive())}`;
      const text = signedText(digest).replace('files:\n', `files:\n  __proto__: ${digest}\n  constructor: ${digest}\n`)
        .replace('apiVersion: v2\n', 'apiVersion: v2\n__proto__:\n  polluted: yes\nconstructor:\n  prototype:\n    polluted: yes\n');
      writeSignedCase(dir, await withSignature({ text }));
    },
    async run(dir) {
      const seen = await verifyRun(dir);
      return { ...seen, details: { polluted: ({} as Record<string, unknown>).polluted !== undefined || Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted') } };
    },
    check(o) {
      verifiedBySigner(o);
      assert.equal(o.details?.polluted, false, 'Object.prototype must be untouched');
    },
  },
  signedCase('prov-signature-time-future_fail', () => withSignature({ date: new Date(Date.now() + 365 * 24 * 3600 * 1000) }), (o) => assert.match(o.message ?? '', /later than now/)),
];
