// What the benchmarks run on, made fresh in setup with the real tools: charts from `helm create`,
// packaged and signed by the real `helm package --sign` (Helm 4.1.4) with the rsa2048 test key, and
// large files of random bytes (incompressible, so an archive's size is its content's size).
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { signedKeyrings, signedKeys } from '../test/support/tools';
import { timeOk } from './stats';

/** The signing key: RSA 2048, no passphrase, its user id is what `helm package --key` matches. */
export const SIGNER = {
  fingerprint: fs.readFileSync(path.join(signedKeys, 'rsa2048.fpr'), 'utf8').trim(),
  uid: 'rsa2048@dev.example',
  secretKeyring: path.join(signedKeys, 'rsa2048.sec.gpg'),
  /** A keyring holding only the signer, as a CI job verifying its own project's charts has. */
  publicKeyring: path.join(signedKeys, 'rsa2048.pub.gpg'),
};

/** Every public test key (13, RSA to brainpool): a well-filled personal keyring. */
export const FULL_KEYRING = path.join(signedKeyrings, 'pubring.gpg');

const MiB = 1024 * 1024;
/** Helm's command-line length is not the limit here; this only keeps one process's argv modest. */
const CHARTS_PER_HELM_CALL = 250;

/** The environment helm runs with: its own empty home, so no user configuration leaks in. */
export class HelmRunner {
  private readonly home: string;

  /** `found` is undefined when helm is missing (bench/requirements.ts): only the sections using it fail. */
  constructor(scratch: string, private readonly found: string | undefined) {
    this.home = path.join(scratch, 'helm-home');
    fs.mkdirSync(this.home, { recursive: true });
  }

  get binary(): string {
    if (!this.found) throw new Error('helm is missing (see the report\'s Machine table)');
    return this.found;
  }

  get env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '', HOME: this.home, HELM_CACHE_HOME: this.home, HELM_CONFIG_HOME: this.home, HELM_DATA_HOME: this.home };
  }

  /** Runs helm to its end and answers its wall time; a failure throws (a broken setup is no figure). */
  run(args: string[], cwd?: string): number {
    return timeOk(`helm ${args[0]}`, this.binary, args, { env: this.env, cwd });
  }

  signArgs(): string[] {
    return ['--sign', '--key', SIGNER.uid, '--keyring', SIGNER.secretKeyring];
  }
}

export class BenchFixtures {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-prov-bench-'));
  readonly helm: HelmRunner;

  constructor(helm: string | undefined) {
    this.helm = new HelmRunner(this.root, helm);
  }
  private template?: string;

  /** `helm create`'s chart (about 15 files, 5 KB packaged): what a real chart looks like. */
  private chartTemplate(): string {
    if (!this.template) {
      this.template = path.join(this.root, 'template');
      fs.mkdirSync(this.template);
      this.helm.run(['create', 'template'], this.template);
      this.template = path.join(this.template, 'template');
    }
    return this.template;
  }

  /** A copy of the template named `name` in `parent`; `extra` may add files. Answers the chart folder. */
  makeChart(parent: string, name: string, extra?: (chartDir: string) => void): string {
    const dir = path.join(parent, name);
    fs.cpSync(this.chartTemplate(), dir, { recursive: true });
    const chartYaml = path.join(dir, 'Chart.yaml');
    fs.writeFileSync(chartYaml, fs.readFileSync(chartYaml, 'utf8').replace(/^name: .*$/m, `name: ${name}`));
    extra?.(dir);
    return dir;
  }

  /** Packages (and signs, unless told not to) the chart folders into `outDir` with the real Helm. */
  helmPackage(chartDirs: string[], outDir: string, sign = true): void {
    fs.mkdirSync(outDir, { recursive: true });
    for (let i = 0; i < chartDirs.length; i += CHARTS_PER_HELM_CALL) {
      this.helm.run(['package', ...(sign ? this.helm.signArgs() : []), '-d', outDir, ...chartDirs.slice(i, i + CHARTS_PER_HELM_CALL)]);
    }
  }

  /** `count` charts `<prefix>0001…` in `chartsDir`, packaged and signed into `archivesDir`. Answers the chart folders. */
  signedCharts(chartsDir: string, archivesDir: string, count: number, prefix: string): string[] {
    fs.mkdirSync(chartsDir, { recursive: true });
    const dirs = Array.from({ length: count }, (_, i) => this.makeChart(chartsDir, `${prefix}${String(i + 1).padStart(4, '0')}`));
    this.helmPackage(dirs, archivesDir);
    return dirs;
  }

  /** A file of `mib` MiB of random bytes, written in 8 MiB pieces. */
  randomFile(file: string, mib: number): string {
    const piece = Buffer.alloc(Math.min(mib, 8) * MiB);
    const fd = fs.openSync(file, 'w');
    try {
      for (let written = 0; written < mib * MiB; written += piece.length) fs.writeSync(fd, randomFillSync(piece), 0, Math.min(piece.length, mib * MiB - written));
    } finally {
      fs.closeSync(fd);
    }
    return file;
  }

  /** Reads a file once, so timed runs find it in the page cache as every later run does. */
  warmPageCache(file: string): void {
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(8 * MiB);
    try {
      while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0) { /* reading is the point */ }
    } finally {
      fs.closeSync(fd);
    }
  }

  dir(name: string): string {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
