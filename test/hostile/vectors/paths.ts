// Files that are not what their names say: a `.prov` or an archive that is a FIFO (opening one blocks)
// or a symlink to /dev/zero (reading it never ends), as a hostile repository can hold them.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { main } from '../../../server/src/cli/helmProv';
import { loadKeyringFile } from '../../../server/src/provenance/keyring';
import type { HostileCase } from '../harness';
import { ARCHIVE, helmArchive, helmProv, PROV, verifyRun } from './common';

function pathCase(name: string, special: 'prov' | 'archive', kind: 'fifo' | 'dev-zero'): HostileCase {
  return {
    name,
    async setup(dir) {
      const target = path.join(dir, special === 'prov' ? PROV : ARCHIVE);
      if (special === 'prov') fs.writeFileSync(path.join(dir, ARCHIVE), helmArchive());
      else fs.writeFileSync(path.join(dir, PROV), await helmProv());
      if (kind === 'fifo') execFileSync('mkfifo', [target]);
      else fs.symlinkSync('/dev/zero', target);
    },
    run: (dir) => verifyRun(dir),
  };
}

export const pathCases: HostileCase[] = [
  pathCase('path-prov-fifo_fail', 'prov', 'fifo'),
  pathCase('path-prov-dev-zero_fail', 'prov', 'dev-zero'),
  pathCase('path-archive-fifo_fail', 'archive', 'fifo'),
  pathCase('path-archive-dev-zero_fail', 'archive', 'dev-zero'),
  {
    name: 'path-keys-file-dev-zero_fail',
    async setup(dir) { fs.symlinkSync('/dev/zero', path.join(dir, 'KEYS')); },
    async run(dir) {
      const file = path.join(dir, 'KEYS');
      const ring = await loadKeyringFile(file);
      const errors: string[] = [];
      const exit = await main(['lint', file], { out: () => undefined, err: (s) => errors.push(s), stdin: () => '' });
      return { ...(ring.ok ? { code: 'ok' } : { code: ring.error.code, message: ring.error.message }), details: { lintExit: exit, lintErrors: errors } };
    },
    check(o) {
      assert.equal(o.details?.lintExit, 1, 'helm-prov lint fails instead of hanging');
      assert.match((o.details?.lintErrors as string[]).join('\n'), /not a regular file/);
    },
  },
];
