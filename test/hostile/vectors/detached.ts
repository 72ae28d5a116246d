// Detached signatures (`helm-prov verify-file`, the Verify File Signature command): a large release
// artifact must be checked in bounded memory, and special files are refused, never read.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyDetached } from '../../../server/src/provenance/detached';
import { DEFAULT_BUDGETS, type WorkBudgets } from '../budgets';
import type { HostileCase, Observation } from '../harness';
import { keysOf, signerKeyring, withSignerGpg } from './common';

const ARTIFACT = 'helm-v9.9.9-linux-amd64.tar.gz';
const MiB = 1024 * 1024;
const BIG_ARTIFACT = 100 * MiB;
/** The artifact streamed through the check once, on top of what a verification may read and hash. */
const ONE_PASS: Partial<WorkBudgets> = {
  'bytes-read': BIG_ARTIFACT + DEFAULT_BUDGETS['bytes-read'],
  'bytes-hashed': BIG_ARTIFACT + DEFAULT_BUDGETS['bytes-hashed'],
};

async function verifyFile(dir: string): Promise<Observation> {
  const outcome = await verifyDetached(path.join(dir, ARTIFACT), path.join(dir, `${ARTIFACT}.asc`), await keysOf(signerKeyring));
  return { code: outcome.code, verdict: outcome.verdict, message: outcome.message, ...(outcome.signer ? { signer: { fingerprint: outcome.signer.fingerprint, signingKey: outcome.signer.signingKey, uid: outcome.signer.uid, uids: outcome.signer.uids } } : {}) };
}

/** A sparse artifact of `size` bytes and its armored detached signature by the trusted key (real gpg). */
function signedArtifact(dir: string, size: number): void {
  const file = path.join(dir, ARTIFACT);
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
  withSignerGpg((gpg, fingerprint) => {
    const r = gpg.run(['--yes', '--local-user', fingerprint, '--armor', '--detach-sign', '--output', `${file}.asc`, file]);
    if (r.status !== 0) throw new Error(r.stderr);
  });
}

export const detachedCases: HostileCase[] = [
  { name: 'detached-100mb-artifact', setup: async (dir) => signedArtifact(dir, BIG_ARTIFACT), run: verifyFile, budgets: ONE_PASS },
  {
    name: 'detached-100mb-artifact-one-byte-changed_fail',
    budgets: ONE_PASS,
    async setup(dir) {
      signedArtifact(dir, BIG_ARTIFACT);
      const fd = fs.openSync(path.join(dir, ARTIFACT), 'r+');
      fs.writeSync(fd, Buffer.of(1), 0, 1, 75 * MiB);
      fs.closeSync(fd);
    },
    run: verifyFile,
  },
  {
    name: 'detached-signature-dev-zero_fail',
    async setup(dir) {
      signedArtifact(dir, 1024);
      fs.rmSync(path.join(dir, `${ARTIFACT}.asc`));
      fs.symlinkSync('/dev/zero', path.join(dir, `${ARTIFACT}.asc`));
    },
    run: verifyFile,
  },
  {
    name: 'detached-artifact-fifo_fail',
    async setup(dir) {
      signedArtifact(dir, 1024);
      fs.rmSync(path.join(dir, ARTIFACT));
      execFileSync('mkfifo', [path.join(dir, ARTIFACT)]);
    },
    run: verifyFile,
  },
];
