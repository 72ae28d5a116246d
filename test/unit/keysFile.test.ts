import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import type { Problem } from '../../server/src/provenance/codes';
import { KeysFileLimits, lintKeysFile, parseKeysFile } from '../../server/src/provenance/keysFile';
import { parseKeyring } from '../../server/src/provenance/keyring';
import { colonPrimaryFingerprints } from '../support/gpgColons';
import { fixtures, GpgHome, signedKeyrings, signedKeys } from '../support/tools';

const now = new Date();
const helmKeysFile = path.join(fixtures, 'keys-files', 'helm.KEYS');
const read = (file: string): string => fs.readFileSync(file, 'utf8');
const fpr = (name: string): string => read(path.join(signedKeys, `${name}.fpr`)).trim();
const codes = (problems: Problem[]): string[] => problems.map((p) => p.code).sort();

function gpgShowOnly(file: string): string[] {
  const gpg = new GpgHome();
  try {
    const run = gpg.run(['--with-colons', '--import-options', 'show-only', '--import', file]);
    assert.equal(run.status, 0, run.stderr);
    return colonPrimaryFingerprints(run.stdout);
  } finally {
    gpg.dispose();
  }
}

test("Helm's KEYS: all 10 keys load, one is expired, every listing matches its block", async () => {
  const text = read(helmKeysFile);
  const lint = await lintKeysFile(text, now);
  assert.equal(lint.keys.length, 10);
  assert.deepEqual(codes(lint.problems), ['keys-expired']);
  const expired = lint.problems[0];
  assert.match(expired.message, /76939899B137D575D3274E756DCCB9D752D35BA8/);
  assert.match(expired.message, /2022-08-06/);
  const lines = text.split('\n');
  assert.match(lines[expired.range!.start.line], /^pub\s+rsa4096 2018-08-06 \[SC\] \[expires: 2022-08-06\]/, 'reported on the listing line of that key');
  assert.equal(lint.layout.listings.length, 10);
  assert.ok(lint.layout.listings.every((l) => l.matches), 'no listing is left unmatched');
  for (const key of lint.keys) {
    assert.match(lines[key.source.range!.start.line], /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    assert.match(lines[key.source.range!.end.line], /^-----END PGP PUBLIC KEY BLOCK-----/);
    assert.equal(key.info.secret, false);
  }
});

test("Helm's KEYS: the fingerprints equal what gpg imports from it", async () => {
  const lint = await lintKeysFile(read(helmKeysFile), now);
  assert.deepEqual(lint.keys.map((k) => k.info.fingerprint).sort(), gpgShowOnly(helmKeysFile));
});

test('the signed corpus KEYS: 13 keys, equal to gpg, with weak, expired and revoked keys flagged at their listings', async () => {
  const file = path.join(signedKeyrings, 'KEYS');
  const lint = await lintKeysFile(read(file), now);
  assert.deepEqual(lint.keys.map((k) => k.info.fingerprint).sort(), gpgShowOnly(file));
  assert.deepEqual(codes(lint.problems), ['keys-expired', 'keys-revoked', 'keys-weak', 'keys-weak']);
  const byCode = (code: string) => lint.problems.filter((p) => p.code === code).map((p) => p.message).join('\n');
  assert.match(byCode('keys-expired'), new RegExp(fpr('expired')));
  assert.match(byCode('keys-revoked'), new RegExp(fpr('revoked')));
  assert.match(byCode('keys-weak'), new RegExp(fpr('rsa1024')));
  assert.match(byCode('keys-weak'), new RegExp(fpr('dsa')));
  assert.ok(lint.problems.every((p) => p.severity === 'warning'));
});

test('java-annotations KEYS: its block loads, with the key expired (a certify-only key with an S subkey)', async () => {
  const lint = await lintKeysFile(read(path.join(fixtures, 'keys-files', 'java-annotations.KEYS')), now);
  assert.equal(lint.layout.blocks.length, 1);
  assert.equal(lint.keys.length, 1);
  assert.equal(lint.keys[0].info.fingerprint, 'B46DC71E03FEEB7F89D1F2491F7A8F87B9D8F501');
  assert.deepEqual(lint.keys[0].info.signingParts.map((p) => p.keyId), ['C2148900BCD3C2AF']);
  assert.equal(lint.layout.listings[0].matches, 'B46DC71E03FEEB7F89D1F2491F7A8F87B9D8F501');
  assert.deepEqual(codes(lint.problems), ['keys-expired']);
});

/** The listing and block of one key in the signed corpus KEYS file. */
function entryOf(name: string): { listing: string; block: string } {
  const text = read(path.join(signedKeyrings, 'KEYS'));
  const start = text.indexOf(`      ${fpr(name)}`);
  const pub = text.lastIndexOf('pub ', start);
  const begin = text.indexOf('-----BEGIN', start);
  const end = text.indexOf('-----END PGP PUBLIC KEY BLOCK-----', begin) + '-----END PGP PUBLIC KEY BLOCK-----'.length;
  return { listing: text.slice(pub, begin), block: text.slice(begin, end) };
}

test("listing mismatch: an attacker's block under the victim's listing is an error on the listing line", async () => {
  const victim = entryOf('rsa2048');
  const attacker = read(path.join(signedKeys, 'stranger.pub.asc'));
  const text = `Keys of the release managers.\n\n${victim.listing}${attacker}\n${entryOf('ed25519').listing}${entryOf('ed25519').block}\n`;
  const lint = await lintKeysFile(text, now);
  assert.deepEqual(codes(lint.problems), ['keys-listing-mismatch']);
  const problem = lint.problems[0];
  assert.equal(problem.severity, 'error');
  assert.equal(problem.range!.start.line, 2, 'on the pub line of the listing');
  assert.match(problem.message, new RegExp(fpr('rsa2048')));
  assert.match(problem.message, new RegExp(fpr('stranger')));
  assert.equal(lint.keys.length, 2, 'both blocks still load: the fingerprint comes from the block');
  assert.equal(lint.layout.listings[1].matches, fpr('ed25519'));
});

test('a secret key block in a KEYS file is an error; only its public part is kept', async () => {
  const secret = (await openpgp.readKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'ed25519.sec.gpg')) })) as openpgp.PrivateKey;
  const text = `${entryOf('rsa2048').listing}${entryOf('rsa2048').block}\n${secret.armor()}`;
  const lint = await lintKeysFile(text, now);
  assert.deepEqual(codes(lint.problems), ['keys-secret-key']);
  assert.equal(lint.problems[0].severity, 'error');
  assert.match(text.split('\n')[lint.problems[0].range!.start.line], /BEGIN PGP PRIVATE KEY BLOCK/);
  const leaked = lint.keys.find((k) => k.info.fingerprint === fpr('ed25519'));
  assert.ok(leaked);
  assert.equal(leaked.info.secret, false);
  assert.equal(leaked.key.isPrivate(), false);
});

test('a key listed twice is reported as a duplicate on the second block', async () => {
  const { listing, block } = entryOf('nistp256');
  const text = `${listing}${block}\n\n${listing}${block}\n`;
  const lint = await lintKeysFile(text, now);
  assert.equal(lint.keys.length, 1);
  assert.deepEqual(codes(lint.problems), ['keys-duplicate']);
  assert.ok(lint.problems[0].range!.start.line > text.split('\n').indexOf('-----END PGP PUBLIC KEY BLOCK-----'));
});

test('broken armor is reported at its line and the other blocks still load', async () => {
  const good = entryOf('ed25519');
  const broken = entryOf('rsa2048').block.split('\n');
  broken[4] = `${broken[4].slice(0, 20)}!${broken[4].slice(21)}`;
  const text = [good.listing + good.block, broken.join('\n'), entryOf('twouid').block, ''].join('\n');
  const lint = await lintKeysFile(text, now);
  assert.deepEqual(codes(lint.problems), ['keys-malformed']);
  const line = lint.problems[0].range!.start.line;
  assert.ok(text.split('\n')[line].includes('!'), 'the problem points at the broken line');
  assert.deepEqual(lint.keys.map((k) => k.info.fingerprint), [fpr('ed25519'), fpr('twouid')]);

  const noEnd = [good.block.replace('-----END PGP PUBLIC KEY BLOCK-----', ''), entryOf('twouid').block, ''].join('\n');
  const cut = await lintKeysFile(noEnd, now);
  assert.deepEqual(codes(cut.problems), ['keys-malformed']);
  assert.match(cut.problems[0].message, /no END line/);
  assert.deepEqual(cut.keys.map((k) => k.info.fingerprint), [fpr('twouid')]);

  const unreadable = new Uint8Array(fs.readFileSync(path.join(signedKeys, 'ed25519.pub.gpg')));
  unreadable[2 + 5] = 99; // an unknown algorithm: sound armor around a key nobody can read
  const unknownKey = await lintKeysFile(`${good.listing}${openpgp.armor(openpgp.enums.armor.publicKey, unreadable)}`, now);
  assert.deepEqual(codes(unknownKey.problems), ['keys-malformed'], 'the listing above an unreadable key is not also a mismatch');

  const badCrc = good.block.replace(/\n=(....)\n/, (_m, crc: string) => `\n=${crc === 'AAAA' ? 'AAAB' : 'AAAA'}\n`);
  const crc = await lintKeysFile(badCrc, now);
  assert.deepEqual(codes(crc.problems), ['keys-malformed']);
  assert.match(crc.problems[0].message, /checksum/);
});

test('no OpenPGP block at all: a PEM key, a signature, an empty file', async () => {
  const pem = '# our signing key\n-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
  const lint = await lintKeysFile(pem, now);
  assert.deepEqual(codes(lint.problems), ['keys-no-openpgp']);
  assert.equal(lint.problems[0].range!.start.line, 1);
  assert.match(lint.problems[0].message, /PEM/);
  assert.deepEqual(codes((await lintKeysFile(read(path.join(fixtures, 'helm-testdata', 'msgblock.yaml.asc')), now)).problems), ['keys-no-openpgp']);
  assert.deepEqual(codes((await lintKeysFile('', now)).problems), ['keys-no-openpgp']);
});

test('listings: gpg 2 and gpg 1 styles, spaced fingerprints, colon format, expiry', () => {
  const lines = [
    'pub   rsa4096/0x461449C25E36B98E 2017-11-10 [SC]',
    '      672C657BE06B4B30969C4A57461449C25E36B98E',
    'uid                   [ultimate] Matthew Farina <matt@mattfarina.com>',
    'sig 3        0x461449C25E36B98E 2017-11-10  Matthew Farina <matt@mattfarina.com>',
    'sub   rsa4096/0x9436E80BFBA46909 2017-11-10 [S] [expires: 2022-11-09]',
    '',
    'pub   4096R/7F8A9958 2016-07-25',
    '      Key fingerprint = 49D0 9C86 C3DC 8DA3 F0A0  7622 1EF6 1234 7F8A 9958',
    'uid                  Adam Reese <adam@reese.io>',
    'Some prose that ends the listing.',
    'sub   2048R/00000000 2016-07-25',
    'pub:-:255:22:C2D40F4D8196E874:1720483200:::-:::scSC::::::ed25519:::0:',
    'fpr:::::::::7FEC81FACC7FFB2A010ADD13C2D40F4D8196E874:',
    'uid:-::::1720483200::ABC::Robert Sirchia <rsirchia@outlook.com>::::::::::0:',
  ];
  const text = lines.join('\r\n');
  const { listings, blocks } = parseKeysFile(text);
  assert.equal(blocks.length, 0);
  assert.equal(listings.length, 3);
  const [farina, reese, colons] = listings;
  assert.equal(farina.primary.keyId, '461449C25E36B98E');
  assert.equal(farina.primary.fingerprint, '672C657BE06B4B30969C4A57461449C25E36B98E');
  assert.equal(farina.primary.algorithm, 'rsa4096');
  assert.equal(farina.primary.flags, 'SC');
  assert.deepEqual(farina.lines.map((l) => l.kind), ['pub', 'fpr', 'uid', 'sig', 'sub']);
  assert.equal(farina.lines[2].userId, 'Matthew Farina <matt@mattfarina.com>');
  assert.equal(farina.subkeys[0].keyId, '9436E80BFBA46909');
  assert.equal(farina.subkeys[0].expires, '2022-11-09');
  assert.deepEqual(farina.range, { start: { line: 0, character: 0 }, end: { line: 4, character: lines[4].length } });
  assert.equal(reese.primary.keyId, '7F8A9958');
  assert.equal(reese.primary.fingerprint, '49D09C86C3DC8DA3F0A076221EF612347F8A9958');
  assert.equal(reese.subkeys.length, 0, 'prose ends a listing: the sub line after it belongs to none');
  assert.equal(colons.primary.keyId, 'C2D40F4D8196E874');
  assert.equal(colons.primary.fingerprint, '7FEC81FACC7FFB2A010ADD13C2D40F4D8196E874');
});

test('CRLF line endings and a byte order mark change nothing', async () => {
  const text = read(helmKeysFile);
  const lint = await lintKeysFile(`\uFEFF${text.replace(/\n/g, '\r\n')}`, now);
  assert.equal(lint.keys.length, 10);
  assert.deepEqual(codes(lint.problems), ['keys-expired']);
  assert.equal(lint.problems[0].range!.start.line, (await lintKeysFile(text, now)).problems[0].range!.start.line);
});

test('hostile sizes stay bounded: a million newlines, and more blocks than the limit', async () => {
  const newlines = await lintKeysFile('\n'.repeat(1_000_000), now);
  assert.deepEqual(codes(newlines.problems), ['keys-no-openpgp']);
  const tiny = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx==\n-----END PGP PUBLIC KEY BLOCK-----\n';
  const many = await lintKeysFile(tiny.repeat(KeysFileLimits.blocks + 10), now);
  assert.equal(many.layout.blocks.length, KeysFileLimits.blocks);
  assert.ok(many.problems.some((p) => p.code === 'keys-too-large'));
});

test('a lost line break between END and the next BEGIN costs that next block only, not both', async () => {
  const armored = fs.readFileSync(path.join(signedKeyrings, 'pubring.asc'), 'utf8');
  const all = (await parseKeyring(Buffer.from(armored), 'pubring.asc')).keys.length;
  const glued = armored.replace('-----END PGP PUBLIC KEY BLOCK-----\n-----BEGIN', '-----END PGP PUBLIC KEY BLOCK----- -----BEGIN');
  assert.notEqual(glued, armored);
  assert.equal((await parseKeyring(Buffer.from(glued), 'pubring.asc')).keys.length, all - 1);
});
