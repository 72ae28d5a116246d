// A chart signed by a key whose user id tries every trick VS Code's UI could fall for: an icon
// (`$(zap)`), a command link, and a right-to-left override. Made with the real gpg and the CLI bundle.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GpgHome, repoRoot, signedCases } from '../support/tools';
import { unpackChart } from '../vscode/fixtureWorkspace';

export const hostileUid = 'Mallory $(zap) [click me](command:workbench.action.quit) \u202eexe.gpj <m@evil.example>';

export interface HostileChart {
  chartYaml: string;
  /** Binary keyring with the hostile key's public part, to add to the verifying keyrings. */
  publicKeyring: string;
  fingerprint: string;
}

/** Signs a copy of the `devlists` chart, as `<workspaceRoot>/hostile/mallory/`; key files go to `keyDir`. */
export function createHostileSignedChart(workspaceRoot: string, keyDir: string): HostileChart {
  const gpg = new GpgHome();
  try {
    const made = gpg.run(['--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', hostileUid, 'ed25519', 'sign', 'never']);
    if (made.status !== 0) throw new Error(`gpg --quick-gen-key: ${made.stderr}`);
    const listing = gpg.run(['--list-keys', '--with-colons']).stdout;
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
    if (!fingerprint) throw new Error(`no fingerprint in gpg's listing:\n${listing}`);
    fs.mkdirSync(keyDir, { recursive: true });
    const publicKeyring = path.join(keyDir, 'hostile.pub.gpg');
    const secretKeyring = path.join(keyDir, 'hostile.sec.gpg');
    fs.writeFileSync(publicKeyring, execFileSync('gpg', ['--batch', '--homedir', gpg.dir, '--export', fingerprint]));
    fs.writeFileSync(secretKeyring, execFileSync('gpg', ['--batch', '--homedir', gpg.dir, '--pinentry-mode', 'loopback', '--passphrase', '', '--export-secret-keys', fingerprint]));

    // A folder name of its own, so Quick Open never confuses it with fresh/devlists.
    const folder = path.join(workspaceRoot, 'hostile');
    unpackChart(path.join(signedCases, 'unsigned', 'devlists-0.1.0.tgz'), folder);
    fs.renameSync(path.join(folder, 'devlists'), path.join(folder, 'mallory'));
    const cli = path.join(repoRoot, 'dist', 'helm-prov.js');
    const script = `require(${JSON.stringify(cli)}).main(process.argv.slice(1)).then((code) => process.exit(code))`;
    execFileSync(process.execPath, ['-e', script, 'sign', path.join(folder, 'mallory'), '--key', fingerprint, '--keyring', secretKeyring, '-d', folder]);
    return { chartYaml: path.join(folder, 'mallory', 'Chart.yaml'), publicKeyring, fingerprint };
  } finally {
    gpg.dispose();
  }
}
