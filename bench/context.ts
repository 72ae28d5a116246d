// What every benchmark section shares: the fixtures, how to run our CLI, how many repetitions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../test/support/tools';
import type { BenchFixtures } from './fixtures';
import { averageProfiles, profilesIn, type ProfileSummary } from './profile';
import { timeOk, timeProcess, type TimedRun } from './stats';

/** Repetitions per figure: full for the report; `--quick` for trying the bench out. */
export interface Repetitions {
  repositoryRounds: number;
  coldRounds: number;
  hashRounds: number;
  lspOpens: number;
  workspaceRuns: number;
  replacements: number;
  activationRuns: number;
  signRounds: number;
  profiles: number;
}

export const FULL: Repetitions = {
  repositoryRounds: 3, coldRounds: 25, hashRounds: 7, lspOpens: 200, workspaceRuns: 3, replacements: 20, activationRuns: 4, signRounds: 12, profiles: 5,
};

export const QUICK: Repetitions = {
  repositoryRounds: 1, coldRounds: 5, hashRounds: 3, lspOpens: 40, workspaceRuns: 1, replacements: 5, activationRuns: 1, signRounds: 3, profiles: 2,
};

/** How many charts the repository and the workspace hold; `--charts` reduces them for trying the bench out. */
export interface Sizes {
  repositoryCharts: number;
  workspaceCharts: number;
}

export const FULL_SIZES: Sizes = { repositoryCharts: 200, workspaceCharts: 1000 };

/** `--charts=<n>`: n charts in the repository and 5 × n in the workspace, as in the full sizes. */
export function reducedSizes(charts: number): Sizes {
  return { repositoryCharts: charts, workspaceCharts: charts * (FULL_SIZES.workspaceCharts / FULL_SIZES.repositoryCharts) };
}

export class BenchContext {
  readonly repoRoot = repoRoot;
  readonly cliLauncher = path.join(repoRoot, 'bin', 'helm-prov.js');
  readonly cliBundle = path.join(repoRoot, 'dist', 'helm-prov.js');
  /** An empty GnuPG home: our CLI must not find anyone's default keyrings. */
  readonly gnupgHome: string;
  /** Where bin/helm-prov.js keeps its V8 code cache during the run (written by the first runs, as at a user's). */
  readonly cacheHome: string;

  constructor(readonly fixtures: BenchFixtures, readonly reps: Repetitions, readonly sizes: Sizes = FULL_SIZES) {
    this.gnupgHome = fixtures.dir('gnupg-home');
    fs.chmodSync(this.gnupgHome, 0o700);
    this.cacheHome = fixtures.dir('xdg-cache');
    fs.chmodSync(this.cacheHome, 0o700);
  }

  /** bin/helm-prov.js runs the bundle when it exists, else the tsc output: say which one was measured. */
  get cliEntryDescription(): string {
    return fs.existsSync(this.cliBundle) ? 'the esbuild bundle dist/helm-prov.js; for `verify` of local files dist/helm-prov-verify.js' : 'the tsc output out/server/src/cli/helmProv.js (no bundle was built)';
  }

  get cliEnv(): NodeJS.ProcessEnv {
    return { ...process.env, GNUPGHOME: this.gnupgHome, XDG_CACHE_HOME: this.cacheHome };
  }

  /**
   * NODE_EXTRA_CA_CERTS where this environment sets it: Node 20 then parses its whole root store at start, before
   * any JavaScript runs. Every Node program pays it and Helm's verify does not, so the CLI figures are also
   * measured without it (`cliEnvWithoutExtraCa`).
   */
  get extraCaCerts(): string | undefined {
    return process.env.NODE_EXTRA_CA_CERTS || undefined;
  }

  get cliEnvWithoutExtraCa(): NodeJS.ProcessEnv {
    const env = { ...this.cliEnv };
    delete env.NODE_EXTRA_CA_CERTS;
    return env;
  }

  /** `helm-prov <args>` as a user runs it: a whole Node process through bin/helm-prov.js. */
  cli(args: string[], nodeArgs: string[] = [], env: NodeJS.ProcessEnv = this.cliEnv): TimedRun {
    return timeProcess(process.execPath, [...nodeArgs, this.cliLauncher, ...args], { env });
  }

  cliOk(args: string[], env: NodeJS.ProcessEnv = this.cliEnv): number {
    return timeOk(`helm-prov ${args[0]}`, process.execPath, [this.cliLauncher, ...args], { env });
  }

  /** Runs `helm-prov <args>` `reps.profiles` times under --cpu-prof and averages where the time went. */
  profileCli(args: string[]): ProfileSummary {
    const dir = this.fixtures.dir(`profile-${args[0]}-${Date.now()}`);
    for (let i = 0; i < this.reps.profiles; i++) {
      const run = this.cli(args, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      if (run.status !== 0) throw new Error(`profiled helm-prov ${args[0]} exited ${run.status}: ${run.stderr.slice(-1000)}`);
    }
    return averageProfiles(profilesIn(dir, this.repoRoot));
  }
}
