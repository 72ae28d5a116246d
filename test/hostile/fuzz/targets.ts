// One fuzz target per parser that reads hostile input, with fast-check: the `.prov` parser and verifier,
// keyrings and KEYS files, the chart archive reader, the Chart.yaml loader. Inputs are random bytes and
// text, and (more useful) real inputs mutated the way attackers and broken tools mutate them. Each
// property states what must hold for every input: no exception, only known codes, and the invariant
// that matters for that parser (a `.prov` verifies only over the text the key really signed; an archive
// that reads has only safe paths; no prototype pollution).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { readChartArchiveBytes } from '../../../server/src/provenance/archive';
import { isHelmSemver, parseChartYaml } from '../../../server/src/provenance/chartYaml';
import { parseKeyring } from '../../../server/src/provenance/keyring';
import { lintKeysFile } from '../../../server/src/provenance/keysFile';
import type { LoadedKey } from '../../../server/src/provenance/keyTypes';
import { parseProvenance } from '../../../server/src/provenance/provDocument';
import { archiveFacts, type ArchiveFacts } from '../../../server/src/provenance/archiveFacts';
import { verifyProvenance } from '../../../server/src/provenance/verify';
import { fixtures, signedKeys, tempDir } from '../../support/tools';
import { chartEntries, gzip, tar } from '../../support/tar';
import { ARCHIVE, helmArchive, helmProv, keysOf, signerKeyring } from '../vectors/common';
import { sigstoreTarget } from './sigstoreTarget';
import { sigstoreDocumentTarget } from './sigstoreDocumentTarget';

/** A fuzz target: a name and a property built once its real inputs are ready. */
export interface FuzzTarget {
  name: string;
  property(): Promise<fc.IAsyncPropertyWithHooks<unknown[]> | fc.IPropertyWithHooks<unknown[]>>;
}

const CODES = new Set([
  'verified', 'missing-prov', 'malformed', 'signature-invalid', 'unknown-signer', 'key-expired', 'key-revoked', 'wrong-key-usage',
  'weak-key', 'weak-hash', 'hash-mismatch', 'filename-mismatch', 'metadata-mismatch', 'missing-archive', 'unsigned-content',
  'unknown-signature', 'keys-expired', 'keys-revoked', 'keys-weak', 'keys-duplicate', 'keys-listing-mismatch', 'keys-secret-key',
  'keys-malformed', 'keys-no-openpgp', 'keys-too-large', 'chart-invalid', 'chart-unsafe-path', 'archive-invalid', 'archive-too-large', 'io-error',
]);

function notPolluted(): void {
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false, 'Object.prototype was polluted');
}

// ---- Mutations of real inputs.

/** Lines an attacker would splice into armored text. */
const ARMOR_LINES = [
  '-----BEGIN PGP SIGNED MESSAGE-----', '-----BEGIN PGP SIGNATURE-----', '-----END PGP SIGNATURE-----',
  '-----BEGIN PGP PUBLIC KEY BLOCK-----', '-----END PGP PUBLIC KEY BLOCK-----', '-----BEGIN PGP PRIVATE KEY BLOCK-----',
  'Hash: SHA256', 'Hash: SHA1', 'Hash: MD5', 'Comment: x', '', '...', '---', '- ---', '- -', 'files:',
  `  ${ARCHIVE}: sha256:0000000000000000000000000000000000000000000000000000000000000000`, 'name: evil', 'version: 6.6.6',
  '__proto__:', '  polluted: yes', '=AAAA', '\ufeff', '\u001b[2K', 'pub   rsa2048 2024-01-01 [SC]', 'uid Mallory', 'a: &a [*a]',
  '[[[[[[[[[[[[[[[[[[[[', '- - - - - - - - - - x',
];

type LineMutation =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'insert'; at: number; line: string }
  | { op: 'swap'; at: number; with: number }
  | { op: 'edit'; at: number; column: number; text: string }
  | { op: 'truncate'; at: number };

const lineMutation: fc.Arbitrary<LineMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), line: fc.oneof(fc.constantFrom(...ARMOR_LINES), fc.string({ unit: 'binary', maxLength: 80 })) }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('edit' as const), at: fc.nat(), column: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 4 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutateLines(text: string, mutations: LineMutation[]): string {
  let lines = text.split('\n');
  for (const m of mutations) {
    const at = m.at % Math.max(lines.length, 1);
    switch (m.op) {
      case 'delete': lines.splice(at, 1); break;
      case 'duplicate': lines.splice(at, 0, lines[at] ?? ''); break;
      case 'insert': lines.splice(at, 0, m.line); break;
      case 'swap': { const other = m.with % Math.max(lines.length, 1); [lines[at], lines[other]] = [lines[other], lines[at]]; break; }
      case 'edit': { const l = lines[at] ?? ''; const c = m.column % (l.length + 1); lines[at] = l.slice(0, c) + m.text + l.slice(c + m.text.length); break; }
      case 'truncate': lines = lines.slice(0, at + 1); break;
    }
  }
  return lines.join('\n');
}

type ByteMutation = { op: 'flip'; at: number; mask: number } | { op: 'cut'; at: number } | { op: 'splice'; at: number; bytes: Uint8Array };

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
);

function mutateBytes(data: Uint8Array, mutations: ByteMutation[], focus = data.length): Buffer {
  let out = Buffer.from(data);
  for (const m of mutations) {
    // Most mutations land in the first `focus` bytes, where headers live.
    const at = m.at % Math.max(Math.min(focus, out.length), 1);
    if (m.op === 'flip') { if (out.length) out[at] ^= m.mask; }
    else if (m.op === 'cut') out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
  }
  return out;
}

// ---- Targets.

/** The `.prov` parser and the verifier: every mutation of a real signed .prov, checked against the real archive and key. */
const provTarget: FuzzTarget = {
  name: '.prov document (parseProvenance + verifyProvenance)',
  async property() {
    const valid = await helmProv();
    const original = parseProvenance(valid).signedText;
    // The archive's facts are what verification compares with; computed once, from the real file.
    const dir = tempDir('fuzz-prov-');
    const archive = path.join(dir, ARCHIVE);
    fs.writeFileSync(archive, helmArchive());
    const facts: ArchiveFacts = await archiveFacts(archive);
    fs.rmSync(dir, { recursive: true, force: true });
    const keys: LoadedKey[] = await keysOf(signerKeyring);
    const input = fc.oneof(
      { weight: 4, arbitrary: fc.array(lineMutation, { minLength: 1, maxLength: 6 }).map((m) => mutateLines(valid, m)) },
      fc.string({ unit: 'binary', maxLength: 2000 }),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    return fc.asyncProperty(input, async (text) => {
      const doc = parseProvenance(text);
      for (const p of doc.problems) {
        assert.ok(CODES.has(p.code), `unknown code ${p.code}`);
        if (p.range) assert.ok(p.range.start.line >= 0 && p.range.end.line < doc.lineCount, `range outside the file: ${JSON.stringify(p.range)}`);
      }
      const outcome = await verifyProvenance(doc, archive, facts, { keys });
      assert.ok(CODES.has(outcome.code), `unknown outcome ${outcome.code}`);
      if (outcome.verdict === 'verified') {
        // Only the text the trusted key really signed can verify, whatever else the file holds.
        assert.equal(doc.signedText, original, 'verified a text the key never signed');
      }
      notPolluted();
    });
  },
};

/** Keyrings and KEYS files: random bytes, mutated binary keyrings, mutated KEYS text. */
const keyringTarget: FuzzTarget = {
  name: 'keyrings and KEYS (parseKeyring, lintKeysFile)',
  async property() {
    // Small real inputs, so each run is quick: one key of each kind, a two-key KEYS file with listings, a keybox.
    const kinds = ['ed25519', 'rsa2048', 'subkey', 'twouid', 'revoked', 'expired'];
    const binaries = kinds.map((k) => fs.readFileSync(path.join(signedKeys, `${k}.pub.gpg`)));
    const keybox = fs.readFileSync(path.join(fixtures, 'helm-testdata', 'pr-32281-keybox', 'helm-test-key.kbx'));
    const keysText = ['ed25519', 'subkey'].map((k) => `pub   key ${k}\n      ${fs.readFileSync(path.join(signedKeys, `${k}.fpr`), 'utf8').trim()}\nuid           ${k}\n\n${fs.readFileSync(path.join(signedKeys, `${k}.pub.asc`), 'utf8')}`).join('\n');
    const now = new Date();
    const input = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...binaries), fc.array(byteMutation, { minLength: 1, maxLength: 4 })).map(([b, m]) => ({ bytes: mutateBytes(b, m), file: 'pubring.gpg' })) },
      fc.array(byteMutation, { minLength: 1, maxLength: 4 }).map((m) => ({ bytes: mutateBytes(keybox, m), file: 'pubring.kbx' })),
      { weight: 3, arbitrary: fc.array(lineMutation, { minLength: 1, maxLength: 6 }).map((m) => ({ bytes: Buffer.from(mutateLines(keysText, m)), file: 'KEYS' })) },
      fc.uint8Array({ maxLength: 1000 }).map((b) => ({ bytes: Buffer.from(b), file: 'random' })),
    );
    return fc.asyncProperty(input, async ({ bytes, file }) => {
      const ring = await parseKeyring(bytes, file, now);
      for (const p of ring.problems) assert.ok(CODES.has(p.code), `unknown code ${p.code}`);
      for (const key of ring.keys) {
        assert.match(key.info.fingerprint, /^([0-9A-F]{40}|[0-9A-F]{64})$/);
        assert.equal(key.key.getFingerprint().toUpperCase(), key.info.fingerprint, 'the fingerprint is the key\'s own');
      }
      if (file === 'KEYS') {
        const lint = await lintKeysFile(bytes.toString('utf8'), now, file);
        for (const p of lint.problems) assert.ok(CODES.has(p.code), `unknown code ${p.code}`);
      }
      notPolluted();
    });
  },
};

/** A path that unpacks inside the chart directory. */
function safePath(chartDir: string, entry: string): boolean {
  const parts = entry.split('/');
  return parts[0] === chartDir && !entry.startsWith('/') && !entry.includes('\\') && parts.every((p) => p !== '..' && p !== '.' && p !== '')
    && !/[\u0000-\u001f\u007f]/.test(entry);
}

/** The chart archive reader: a valid chart's tar mutated in its headers (then gzipped), and mutated gzip bytes. */
const archiveTarget: FuzzTarget = {
  name: 'chart archive reader (readChartArchiveBytes)',
  async property() {
    const plain = tar([...chartEntries(), { name: 'devapp/charts/sub-0.1.0.tgz', data: gzip(tar(chartEntries('sub', '0.1.0'))) }]);
    const helm = helmArchive();
    const input = fc.oneof(
      { weight: 4, arbitrary: fc.array(byteMutation, { minLength: 1, maxLength: 6 }).map((m) => gzip(mutateBytes(plain, m, 2048), 1)) },
      fc.array(byteMutation, { minLength: 1, maxLength: 4 }).map((m) => mutateBytes(helm, m)),
      fc.uint8Array({ maxLength: 1000 }).map((b) => Buffer.from(b)),
    );
    return fc.property(input, (bytes) => {
      const read = readChartArchiveBytes(bytes, 'fuzz.tgz');
      if (!read.ok) {
        assert.ok(CODES.has(read.error.code), `unknown code ${read.error.code}`);
        return;
      }
      const archive = read.value;
      assert.equal(archive.chartDir, archive.metadata.name, 'the top directory is the chart name');
      for (const e of archive.entries) assert.ok(safePath(archive.chartDir, e.path), `unsafe path read: ${JSON.stringify(e.path)}`);
      assert.ok(isHelmSemver(archive.metadata.version), `version ${archive.metadata.version} is not SemVer`);
      notPolluted();
    });
  },
};

/** Keys a hostile Chart.yaml would use. */
const YAML_KEYS = ['apiVersion', 'name', 'version', 'annotations', 'maintainers', 'dependencies', 'keywords', '__proto__', 'constructor', 'prototype', 'polluted', '<<', 'Version'];

/** The Chart.yaml loader: random text, random YAML structures, and mutated valid Chart.yaml. */
const chartYamlTarget: FuzzTarget = {
  name: 'Chart.yaml loader (parseChartYaml)',
  async property() {
    const valid = 'apiVersion: v2\nname: devapp\nversion: 1.2.3\nappVersion: "1.16.0"\ndescription: A chart\nkeywords:\n- web\nmaintainers:\n- name: a\n  email: a@example.org\nannotations:\n  x: y\ndependencies:\n- name: sub\n  version: 0.1.0\n  repository: file://charts/sub\n';
    const yamlValue = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('on', 'yes', '1.10', '010', '0x1f', '.inf', '~'),
        fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.constantFrom(...YAML_KEYS), tie('value'), { maxKeys: 4 })),
    })).value;
    const input = fc.oneof(
      { weight: 3, arbitrary: fc.array(lineMutation, { minLength: 1, maxLength: 6 }).map((m) => mutateLines(valid, m)) },
      fc.dictionary(fc.constantFrom(...YAML_KEYS), yamlValue, { maxKeys: 8 }).map((o) => toYaml(o)),
      fc.string({ unit: 'binary', maxLength: 500 }),
    );
    return fc.property(input, (text) => {
      const parsed = parseChartYaml(text);
      if (!parsed.ok) {
        assert.ok(CODES.has(parsed.error.code), `unknown code ${parsed.error.code}`);
      } else {
        assert.equal(typeof parsed.value.name, 'string');
        assert.ok(isHelmSemver(parsed.value.version), `version ${parsed.value.version} accepted but not SemVer`);
      }
      notPolluted();
    });
  },
};

/** Block-style YAML of a plain value (keys quoted when needed), enough for the fuzzer's structures. */
function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) return value.length ? value.map((v) => `${indent}- ${toYaml(v, `${indent}  `).trimStart()}`).join('\n') : `${indent}[]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.length) return `${indent}{}`;
    return entries.map(([k, v]) => (v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length : Object.keys(v).length)
      ? `${indent}${k}:\n${toYaml(v, `${indent}  `)}` : `${indent}${k}: ${toYaml(v).trim()}`)).join('\n');
  }
  return typeof value === 'string' ? (value === '' ? '""' : value) : String(value);
}

export const fuzzTargets: FuzzTarget[] = [provTarget, keyringTarget, archiveTarget, chartYamlTarget, sigstoreTarget, sigstoreDocumentTarget];

export interface FuzzFigures { target: string; executions: number; failures: number; seconds: number; seed: number; report?: string }

/** Runs one target for about `seconds`; the figures say how many inputs ran and whether one failed. */
export async function fuzz(target: FuzzTarget, seconds: number, seed = Date.now() % 2 ** 31): Promise<FuzzFigures> {
  const property = await target.property();
  const started = Date.now();
  const details = await fc.check(property as fc.IAsyncPropertyWithHooks<unknown[]>, {
    seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false,
  });
  const failed = details.failed;
  return {
    target: target.name,
    executions: details.numRuns,
    failures: failed ? 1 : 0,
    seconds: (Date.now() - started) / 1000,
    seed,
    ...(failed ? { report: fc.defaultReportMessage(details) ?? String(details.errorInstance) } : {}),
  };
}
