// KEYS documents over a real LSP connection. The expected per-key codes come from the real gpg
// (`--show-keys --with-colons`: validity `e` expired, `r` revoked; RSA < 2048 and DSA are weak), so the
// server is compared with an independent reader of the same files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { DiagnosticSeverity, SymbolKind, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { fixtures, GpgHome, signedKeyrings, signedKeys, tempDir } from '../support/tools';
import { LspSession, messageOf } from './lspSession';

interface GpgKey { fingerprint: string; codes: string[] }

/** Per primary key, the codes gpg's view of the file implies. */
function gpgExpectations(file: string): GpgKey[] {
  const gpg = new GpgHome();
  try {
    const run = gpg.run(['--show-keys', '--with-colons', file]);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split('\n');
    const keys: GpgKey[] = [];
    lines.forEach((line, i) => {
      const f = line.split(':');
      if (f[0] !== 'pub') return;
      const fpr = lines.slice(i + 1).find((l) => l.startsWith('fpr:'))!.split(':')[9];
      const codes: string[] = [];
      if (f[1] === 'e') codes.push('keys-expired');
      if (f[1] === 'r') codes.push('keys-revoked');
      if (f[3] === '17' || (f[3] === '1' && Number(f[2]) < 2048)) codes.push('keys-weak');
      keys.push({ fingerprint: fpr, codes });
    });
    return keys;
  } finally {
    gpg.dispose();
  }
}

const PER_KEY = new Set(['keys-expired', 'keys-revoked', 'keys-weak']);

function perKeyFindings(diagnostics: Diagnostic[]): string[] {
  return diagnostics.filter((d) => PER_KEY.has(String(d.code))).map((d) => `${d.code} ${/\(([0-9A-F]{40,64})\)/.exec(messageOf(d))?.[1]}`).sort();
}

describe('KEYS diagnostics over LSP', () => {
  let session: LspSession;
  before(async () => { session = await LspSession.start(); });
  after(async () => { await session.stop(); });

  const realFiles = [
    { file: path.join(fixtures, 'keys-files', 'helm.KEYS'), keys: 10 },
    { file: path.join(fixtures, 'keys-files', 'java-annotations.KEYS'), keys: 1 },
    { file: path.join(signedKeyrings, 'KEYS'), keys: 13 },
  ];
  for (const { file, keys } of realFiles) {
    test(`${path.relative(fixtures, file)}: per-key codes match gpg, one symbol per key`, async () => {
      const expected = gpgExpectations(file);
      assert.equal(expected.length, keys);
      const statusesBefore = session.statuses.length;
      const uri = await session.open(file, 'pgp-keys');
      const diagnostics = await session.waitForDiagnostics(uri, { version: 1 });
      assert.deepEqual(perKeyFindings(diagnostics), expected.flatMap((k) => k.codes.map((c) => `${c} ${k.fingerprint}`)).sort());
      for (const d of diagnostics) assert.equal(d.source, 'helm-provenance');
      assert.deepEqual(diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error), [], 'no errors in a real KEYS file');

      const symbols = await session.symbols(uri);
      assert.equal(symbols.length, keys);
      assert.deepEqual(symbols.map((s) => s.detail).sort(), expected.map((k) => k.fingerprint).sort(), 'fingerprints from the keys');
      assert.ok(symbols.every((s) => s.kind === SymbolKind.Key));

      // Hover inside the first armored block names that block's key.
      const text = fs.readFileSync(file, 'utf8').split(/\r?\n/);
      const block = text.findIndex((l) => l.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----'));
      const hover = await session.hover(uri, { line: block + 3, character: 1 });
      const value = (hover?.contents as { value: string }).value;
      const owner = symbols.find((s) => s.range.start.line <= block + 3 && s.range.end.line >= block + 3)!;
      assert.ok(value.replace(/ /g, '').includes(owner.detail!), `${value} names ${owner.detail}`);
      assert.match(value, /information only/);

      const status = await session.waitForStatus(`KEYS status for ${uri}`, (s) => s.uri === uri && s.state === 'keys', statusesBefore);
      assert.match(status.summary, new RegExp(`^${keys} keys?`));
      await session.close(uri);
    });
  }

  test('Helm\'s KEYS: 10 keys, exactly one expired', async () => {
    const file = path.join(fixtures, 'keys-files', 'helm.KEYS');
    const statusesBefore = session.statuses.length;
    const uri = await session.open(file, 'pgp-keys');
    const diagnostics = await session.waitForDiagnostics(uri, { version: 1 });
    assert.equal(diagnostics.filter((d) => d.code === 'keys-expired').length, 1);
    const status = await session.waitForStatus('helm.KEYS status', (s) => s.uri === uri && s.state === 'keys', statusesBefore);
    assert.equal(status.summary, '10 keys, 1 expired');
    await session.close(uri);
  });

  test('a made-up KEYS file: secret key, broken armor, duplicate, lying listing, and a PEM file', async () => {
    const dir = tempDir('lsp-keys-');
    try {
      const pub = fs.readFileSync(path.join(signedKeys, 'rsa2048.pub.asc'), 'utf8').trim();
      const other = fs.readFileSync(path.join(signedKeys, 'ed25519.pub.asc'), 'utf8').trim();
      const secret = (await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'nistp256.sec.gpg')) })).armor().trim();
      const broken = other.split('\n').map((l, i, all) => (i === Math.floor(all.length / 2) ? 'this line is not base64!' : l)).join('\n');
      const ed25519 = fs.readFileSync(path.join(signedKeys, 'ed25519.fpr'), 'utf8').trim();
      const text = [
        `pub   rsa2048 2026-11-22 [SC]`, `      ${ed25519}`, `uid           someone`, '', pub, '',
        pub, '', secret, '', broken, '',
      ].join('\n');
      const file = path.join(dir, 'KEYS');
      fs.writeFileSync(file, text);
      const uri = await session.open(file, 'pgp-keys');
      const diagnostics = await session.waitForDiagnostics(uri, { version: 1 });
      const codes = diagnostics.map((d) => d.code);
      for (const code of ['keys-listing-mismatch', 'keys-duplicate', 'keys-secret-key', 'keys-malformed']) assert.ok(codes.includes(code), `${code} in ${codes}`);
      const lines = text.split('\n');
      const mismatch = diagnostics.find((d) => d.code === 'keys-listing-mismatch')!;
      assert.equal(mismatch.range.start.line, 0, 'on the listing line');
      const secretAt = lines.findIndex((l) => l.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----'));
      assert.equal(diagnostics.find((d) => d.code === 'keys-secret-key')!.range.start.line, secretAt);
      assert.equal(diagnostics.find((d) => d.code === 'keys-secret-key')!.severity, DiagnosticSeverity.Error);
      assert.equal(diagnostics.find((d) => d.code === 'keys-malformed')!.range.start.line, lines.indexOf('this line is not base64!'));
      await session.close(uri);

      const pem = path.join(dir, 'pem.KEYS');
      fs.writeFileSync(pem, '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n');
      const pemUri = await session.open(pem, 'pgp-keys');
      const pemDiagnostics = await session.waitForDiagnostics(pemUri, { version: 1 });
      assert.deepEqual(pemDiagnostics.map((d) => d.code), ['keys-no-openpgp']);
      assert.equal(pemDiagnostics[0].range.start.line, 0);
      await session.close(pemUri);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
