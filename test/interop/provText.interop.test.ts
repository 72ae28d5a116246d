// The text around and inside a signed block, against gpg 2.2: what gpg reads as signed (a dash-escaped
// empty line), what it ignores (text glued after the END line), and where it reads a second signed
// block that we must refuse rather than pick one of (glued after END, or on the next line).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import type { LoadedKey } from '../../server/src/provenance/keyTypes';
import { signArchive } from '../../server/src/provenance/sign';
import { verifyArchive } from '../../server/src/provenance/verify';
import { fixtureFingerprint, GpgHome, scratch, signedCases, signedKeyrings, signedKeys } from '../support/tools';

const ARCHIVE = 'devapp-1.2.3.tgz';
const END = '-----END PGP SIGNATURE-----';

describe('.prov text: our reading agrees with gpg 2.2', () => {
  const home = new GpgHome();
  let prov = '';
  let keys: LoadedKey[] = [];
  before(async () => {
    home.import(path.join(signedKeys, 'rsa2048.pub.gpg'));
    const archive = path.join(scratch('prov-text-'), ARCHIVE);
    fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', ARCHIVE), archive);
    const signed = await signArchive({ archivePath: archive, keyQuery: fixtureFingerprint('rsa2048'), secretKeyrings: [path.join(signedKeys, 'rsa2048.sec.gpg')] });
    assert.ok(signed.ok, !signed.ok ? signed.error.message : '');
    prov = fs.readFileSync(signed.value.provPath, 'utf8');
    const ring = await loadKeyringFile(path.join(signedKeyrings, 'pubring.gpg'));
    assert.ok(ring.ok);
    keys = ring.value.keys;
  });
  after(() => home.dispose());

  /** gpg --verify of the text: its exit status and how many signatures it checked (one per signed block or signature it read). */
  function gpgVerify(text: string): { status: number | null; signatures: number } {
    const file = path.join(scratch('prov-text-gpg-'), 'x.prov');
    fs.writeFileSync(file, text);
    const run = home.run(['--status-fd', '1', '--verify', file]);
    return { status: run.status, signatures: (run.stdout.match(/^\[GNUPG:\] NEWSIG/gm) ?? []).length };
  }

  async function ours(text: string) {
    const dir = scratch('prov-text-ours-');
    fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', ARCHIVE), path.join(dir, ARCHIVE));
    fs.writeFileSync(path.join(dir, `${ARCHIVE}.prov`), text);
    return verifyArchive(path.join(dir, ARCHIVE), { keys });
  }

  test('the file as signed: both verify it', async () => {
    assert.equal(gpgVerify(prov).status, 0);
    assert.equal((await ours(prov)).code, 'verified');
  });

  test('a dash-escaped empty line ("- " alone) is an empty signed line: gpg verifies it, so do we', async () => {
    const escaped = prov.replace('\n\n-----BEGIN PGP SIGNATURE-----', '\n- \n-----BEGIN PGP SIGNATURE-----');
    assert.notEqual(escaped, prov);
    assert.equal(gpgVerify(escaped).status, 0);
    const outcome = await ours(escaped);
    assert.equal(outcome.code, 'verified', outcome.message);
    assert.deepEqual(outcome.warnings, []);
  });

  test('a lone "-" is not an escape: gpg rejects the line, we call it malformed', async () => {
    const broken = prov.replace('\n\n-----BEGIN PGP SIGNATURE-----', '\n-\n-----BEGIN PGP SIGNATURE-----');
    assert.notEqual(gpgVerify(broken).status, 0);
    assert.equal((await ours(broken)).code, 'malformed');
  });

  test('text glued after the END line: gpg ignores it; we verify and report it as unsigned', async () => {
    const glued = `${prov.trimEnd()}files: {}\n`;
    assert.equal(gpgVerify(glued).status, 0);
    const outcome = await ours(glued);
    assert.equal(outcome.code, 'verified', outcome.message);
    assert.deepEqual(outcome.warnings.map((w) => w.code), ['unsigned-content']);
  });

  // A second block whose text was edited after signing (its signature is the first block's).
  const forged = (): string => prov.replace(/sha256:[0-9a-f]{64}/, `sha256:${'0'.repeat(64)}`);

  test('a second signed block glued right after the END line: gpg checks its signature over the first text; we refuse the file', async () => {
    const text = `${prov.trimEnd()}${forged()}`;
    assert.ok(text.includes(`${END}-----BEGIN PGP SIGNED MESSAGE-----`));
    // Measured: gpg reads the glued block's signature as a second signature over the FIRST block's text
    // and skips the glued text, so the edited text "verifies" twice. Tools differ on which text a
    // second block means: no block counts.
    const gpg = gpgVerify(text);
    assert.equal(gpg.signatures, 2, 'gpg checked the glued signature too');
    assert.equal(gpg.status, 0);
    const outcome = await ours(text);
    assert.equal(outcome.code, 'malformed', outcome.message);
    assert.match(outcome.message, /second signed block/);
  });

  test('a second signed block on the next line: gpg fails on it; we refuse the file the same way', async () => {
    const gpg = gpgVerify(`${prov}${forged()}`);
    assert.notEqual(gpg.status, 0);
    const outcome = await ours(`${prov}${forged()}`);
    assert.equal(outcome.code, 'malformed', outcome.message);
    assert.match(outcome.message, /second signed block/);
  });
});
