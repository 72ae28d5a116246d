// The shape of a hostile case. Each case is a folder `test/hostile/cases/<name>/` holding only its
// README.md (what the case is and the line "Expected: `<code>`"), plus a definition in `vectors/*.ts`.
// No input is committed: every case's inputs are made by its definition, in a fresh empty folder
// (`setup`, in the test process: archives by test/support/tar.ts, keys by support/keys.ts, signatures
// by the fixture keys or gpg); `run` runs the engine on them in a child process whose counted work and
// memory are checked against budgets; `check` looks at what it saw beyond the code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkKind } from '../../server/src/provenance/work';
import { repoRoot } from '../support/tools';
import type { WorkBudgets } from './budgets';

export const casesDir = path.join(repoRoot, 'test', 'hostile', 'cases');

/** What the engine reported, reduced to plain data so it can cross the process boundary. */
export interface Observation {
  /** The outcome code, the first error's code, or `ok` when an operation succeeded without one. */
  code: string;
  verdict?: 'verified' | 'rejected';
  warnings?: string[];
  message?: string;
  signer?: { fingerprint: string; signingKey: string; uid?: string; uids: string[] };
  /** Anything else a case's `check` looks at. */
  details?: Record<string, unknown>;
}

export interface HostileCase {
  name: string;
  /** Builds the case's inputs in `dir` (a fresh, empty temp folder). Not measured. */
  setup?(dir: string): Promise<void>;
  /** Runs the real entry points on the inputs. Its counted work must stay within the budgets, its memory ≤ 256 MB. */
  run(dir: string): Promise<Observation>;
  /** Budgets above the defaults (budgets.ts) for work this case legitimately needs, each with its reason. */
  budgets?: Partial<WorkBudgets>;
  /**
   * Adds to what `run` observed what that entry point does not say itself (e.g. the archive reader's
   * own code when `run` verified the archive). In the child, after the measurement.
   */
  explain?(dir: string, observation: Observation): Promise<Observation>;
  /** Assertions beyond the code, on what `run` observed. */
  check?(observation: Observation, dir: string): void;
}

/** The code a case's README promises: the line "Expected: `<code>`". */
export function expectedCode(caseName: string): string | undefined {
  const readme = fs.readFileSync(path.join(casesDir, caseName, 'README.md'), 'utf8');
  return /^Expected: `([a-z0-9-]+)`/m.exec(readme)?.[1];
}

/** A case must fail (`_fail`) exactly when its expected code is a refusal. */
export function isRefusal(code: string): boolean {
  return code !== 'verified' && code !== 'ok';
}

/** What the child process reports for one case. */
export interface Measured {
  observation?: Observation;
  threw?: string;
  /** Wall time of `run`: reported, never asserted. */
  milliseconds: number;
  /** CPU time (user + system) of the process during `run`: reported, never asserted. */
  cpuMilliseconds: number;
  maxRssMegabytes: number;
  /** The work meter's counters for `run` alone. */
  work: Partial<Record<WorkKind, number>>;
}
