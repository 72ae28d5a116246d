// io.ts writes standard output straight to its descriptor when it is a pipe, a socket or a file (no
// process.stdout stream to build): the bytes, their order with each other and the exit status must be
// those the stream gave, whatever the output is, and a reader that leaves early is no error.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../server/src/cli/helmProv';
import { repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';

const launcher = path.join(repoRoot, 'bin', 'helm-prov.js');
const work = tempDir('cli-output-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: path.join(work, 'cache'), GNUPGHOME: path.join(work, 'no-gnupg') };
const posix = process.platform !== 'win32';

/** What main() prints through an Io that keeps every line: the reference. */
async function inProcess(args: string[]): Promise<{ status: number; stdout: string }> {
  const lines: string[] = [];
  const status = await main(args, { out: (s) => lines.push(`${s}\n`), err: () => undefined, stdin: () => '' });
  return { status, stdout: lines.join('') };
}

const COMMANDS: string[][] = [
  ['keys', path.join(signedKeyrings, 'pubring.gpg')],
  ['verify', path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), '--keyring', path.join(signedKeyrings, 'pubring.gpg')],
];

test('a socket (spawnSync), a regular file and a pipe receive the same bytes as the in-process output, with the same status', { skip: !posix && 'POSIX shell' }, async () => {
  for (const args of COMMANDS) {
    const expected = await inProcess(args);
    assert.ok(expected.stdout.length > 100, 'the command prints something');

    const socket = spawnSync(process.execPath, [launcher, ...args], { env, encoding: 'utf8' });
    assert.deepEqual({ status: socket.status, stdout: socket.stdout }, expected, socket.stderr);

    const file = path.join(work, `out-${args[0]}.txt`);
    const fd = fs.openSync(file, 'w');
    try {
      const toFile = spawnSync(process.execPath, [launcher, ...args], { env, stdio: ['ignore', fd, 'pipe'] });
      assert.equal(toFile.status, expected.status, String(toFile.stderr));
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), expected.stdout);

    // A real pipe (a FIFO), the status of helm-prov itself.
    const quoted = [process.execPath, launcher, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const piped = spawnSync('sh', ['-c', `${quoted} | cat; exit 0`], { env, encoding: 'utf8' });
    assert.equal(piped.stdout, expected.stdout, piped.stderr);
    const status = spawnSync('sh', ['-c', `${quoted} | cat >/dev/null`], { env });
    assert.equal(status.status, 0);
  }
});

test('a pipe whose reader has gone: no EPIPE message, the command\'s own status', { skip: !posix && 'POSIX shell' }, () => {
  // The reader closes its end without reading (before or after the output, as the scheduler has it);
  // bash reports helm-prov's own status, and stderr must hold nothing else.
  const args = COMMANDS[0];
  const quoted = [process.execPath, launcher, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${quoted} | (exec 0<&-; true); echo "\${PIPESTATUS[0]}" >&2`], { env, encoding: 'utf8' });
  assert.match(r.stderr, /^0\n$/, r.stderr);
});
