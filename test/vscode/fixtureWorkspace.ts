// A throw-away workspace of charts in known states, made from the signed fixture corpus, for the
// tests that run the real extension in a real VS Code (the in-host suite and the UI tests).
//
//   signed/devapp/ + signed/devapp-1.2.3.tgz(.prov)      signed by rsa2048 (in the keyring): verified
//   tampered/devapp/ + tampered/devapp-1.2.3.tgz(.prov)  one byte of the archive flipped: hash-mismatch
//   fresh/devlists/                                       a chart never packaged: Sign Chart packages it
//   packaging/devapp/                                     a chart never packaged: Package Chart packages it
//   repo-keys/pubring.gpg + .vscode/settings.json         a repository that tries to choose its own keyring
import * as fs from 'node:fs';
import * as path from 'node:path';
import { x as extractTar } from 'tar';
import { GpgHome, signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';

export const extensionId = 'helm-provenance.helm-provenance';
export const statusBarItemId = 'chartStatus';

export const rsa2048Fingerprint = fs.readFileSync(path.join(signedKeys, 'rsa2048.fpr'), 'utf8').trim();
export const lockedFingerprint = fs.readFileSync(path.join(signedKeys, 'locked.fpr'), 'utf8').trim();
export const lockedPassphrase = fs.readFileSync(path.join(signedKeys, 'locked.passphrase'), 'utf8').trim();
export const strangerFingerprint = fs.readFileSync(path.join(signedKeys, 'stranger.fpr'), 'utf8').trim();
/** Every fixture public key but the stranger's, as Helm reads them. */
export const publicKeyring = path.join(signedKeyrings, 'pubring.gpg');

export interface ChartPaths {
  root: string;
  signedChartYaml: string;
  signedArchive: string;
  tamperedChartYaml: string;
  tamperedProv: string;
  freshChartYaml: string;
  /** Where Sign Chart puts the fresh chart's archive (next to the chart folder). */
  freshArchive: string;
  packagingChartYaml: string;
  packagingArchive: string;
  /** A release artifact with a detached signature by rsa2048 (addReleaseArtifact). */
  releaseFile: string;
  releaseSignature: string;
}

export interface FixtureWorkspace extends ChartPaths {
  remove(): void;
}

/** Where things are in a fixture workspace rooted at `root` (also used inside the extension host). */
export function chartPaths(root: string): ChartPaths {
  return {
    root,
    signedChartYaml: path.join(root, 'signed', 'devapp', 'Chart.yaml'),
    signedArchive: path.join(root, 'signed', 'devapp-1.2.3.tgz'),
    tamperedChartYaml: path.join(root, 'tampered', 'devapp', 'Chart.yaml'),
    tamperedProv: path.join(root, 'tampered', 'devapp-1.2.3.tgz.prov'),
    freshChartYaml: path.join(root, 'fresh', 'devlists', 'Chart.yaml'),
    freshArchive: path.join(root, 'fresh', 'devlists-0.1.0.tgz'),
    packagingChartYaml: path.join(root, 'packaging', 'devapp', 'Chart.yaml'),
    packagingArchive: path.join(root, 'packaging', 'devapp-1.2.3.tgz'),
    releaseFile: path.join(root, 'release', 'tool-1.0.0.tar.gz'),
    releaseSignature: path.join(root, 'release', 'tool-1.0.0.tar.gz.asc'),
  };
}

function copyCase(caseName: string, into: string): void {
  fs.mkdirSync(into, { recursive: true });
  for (const file of fs.readdirSync(path.join(signedCases, caseName))) fs.copyFileSync(path.join(signedCases, caseName, file), path.join(into, file));
}

/** The chart folder inside an archive, unpacked next to it (as if it were the chart's source). */
export function unpackChart(archive: string, into: string): void {
  fs.mkdirSync(into, { recursive: true });
  extractTar({ file: archive, cwd: into, sync: true });
}

/**
 * Writes the repository's own settings: a keyring file inside the repository and a trust list naming
 * the stranger's key. Both are machine-scoped, so VS Code must ignore them.
 */
function writeHostileWorkspaceSettings(root: string): void {
  const repoKeys = path.join(root, 'repo-keys');
  fs.mkdirSync(repoKeys, { recursive: true });
  fs.copyFileSync(path.join(signedKeys, 'stranger.pub.gpg'), path.join(repoKeys, 'pubring.gpg'));
  fs.mkdirSync(path.join(root, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify({
    'helmProvenance.keyrings': [path.join(repoKeys, 'pubring.gpg')],
    'helmProvenance.trustedFingerprints': [strangerFingerprint],
  }, null, 2));
}

export function createFixtureWorkspace(parent = tempDir('helm-prov-vscode-')): FixtureWorkspace {
  const root = path.join(parent, 'charts-workspace');
  const validArchive = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz');
  copyCase('valid-rsa2048', path.join(root, 'signed'));
  unpackChart(validArchive, path.join(root, 'signed'));
  copyCase('tgz-byte-flipped', path.join(root, 'tampered'));
  unpackChart(validArchive, path.join(root, 'tampered'));
  unpackChart(path.join(signedCases, 'unsigned', 'devlists-0.1.0.tgz'), path.join(root, 'fresh'));
  unpackChart(validArchive, path.join(root, 'packaging'));
  writeHostileWorkspaceSettings(root);
  return { ...chartPaths(root), remove: () => fs.rmSync(parent, { recursive: true, force: true }) };
}

/** User (machine) settings: the fixture keyring, and the secret key Sign Chart uses. */
export function userSettingsFor(secretKey: 'rsa2048' | 'locked', defaultSigningKey = ''): Record<string, unknown> {
  return {
    'helmProvenance.keyrings': [publicKeyring],
    'helmProvenance.secretKeyring': path.join(signedKeys, `${secretKey}.sec.gpg`),
    'helmProvenance.signingBackend': 'openpgp',
    'helmProvenance.defaultSigningKey': defaultSigningKey,
  };
}

/** Adds a release artifact and its detached, armored signature made by the real gpg with rsa2048. */
export function addReleaseArtifact(root: string): void {
  const { releaseFile, releaseSignature } = chartPaths(root);
  fs.mkdirSync(path.dirname(releaseFile), { recursive: true });
  fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), releaseFile);
  const gpg = new GpgHome();
  try {
    gpg.import(path.join(signedKeys, 'rsa2048.sec.gpg'));
    const signed = gpg.run(['--local-user', rsa2048Fingerprint, '--armor', '--detach-sign', '--output', releaseSignature, releaseFile]);
    if (signed.status !== 0) throw new Error(`gpg --detach-sign: ${signed.stderr}`);
  } finally {
    gpg.dispose();
  }
}
