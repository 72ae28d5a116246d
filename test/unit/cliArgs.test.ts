// args.ts reads plain arguments itself (plainArgs) and leaves the rest to Node's parseArgs: for every
// argument list the two must answer the same, or plainArgs must leave it to parseArgs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { parseCommandArgs, plainArgs, UsageError } from '../../server/src/cli/args';
import { COMMAND_SPECS, parseOptionsOf } from '../../server/src/cli/commandSpecs';

type Options = Parameters<typeof plainArgs>[1];

/** parseArgs' answer, or its error message. */
function nodeParse(args: string[], options: Options): unknown {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    return (e as Error).message;
  }
}

const options: Options = {
  keyring: { type: 'string', multiple: true },
  trust: { type: 'string', multiple: true, short: 't' },
  json: { type: 'boolean' },
  flag: { type: 'boolean', multiple: true },
  key: { type: 'string' },
};
const words = ['a.tgz', 'b.prov', '', '-', '--', '-t', '-j', '--json', '--flag', '--key', '--keyring', '--trust', '--key=v', '--json=1',
  '--nope', '--no-json', '--__proto__', '--constructor', '--toString', '-x', 'dir/', ' x', '--keyring=r'];

/** Every list of up to `n` words (words.length^n lists). */
function* lists(n: number): Generator<string[]> {
  yield [];
  if (n === 0) return;
  for (const rest of lists(n - 1)) for (const w of words) if (rest.length === n - 1) yield [...rest, w];
}

describe('plainArgs answers as parseArgs, or leaves it to parseArgs', () => {
  test('every list of up to four words from a set of hard ones', () => {
    let plain = 0;
    for (let n = 0; n <= 4; n++) {
      for (const args of lists(n)) {
        const mine = plainArgs(args, options);
        if (mine === undefined) continue;
        plain++;
        const theirs = nodeParse(args, options);
        assert.deepEqual(mine, theirs, JSON.stringify(args));
        assert.equal(Object.getPrototypeOf(mine.values), null);
        assert.deepEqual(Object.keys(mine.values), Object.keys((theirs as typeof mine).values), JSON.stringify(args));
      }
    }
    assert.ok(plain > 5000, `only ${plain} lists were plain`);
  });

  test('the common calls of every command are plain; option-like values, = and short options are not', () => {
    const verify = parseOptionsOf(COMMAND_SPECS.verify);
    const common = ['x.tgz', '--keyring', 'ring.gpg', '--keyring', 'KEYS', '--trust', 'ABCD', '--json', 'dir'];
    assert.deepEqual(plainArgs(common, verify), nodeParse(common, verify));
    for (const args of [['--keyring', '-x'], ['--keyring=r'], ['-d', 'out'], ['--', 'x'], ['--keyring']]) {
      assert.equal(plainArgs(args, { ...verify, destination: { type: 'string', short: 'd' } }), undefined, args.join(' '));
    }
    // A default anywhere: parseArgs fills it in.
    assert.equal(plainArgs(['x'], { ...verify, n: { type: 'string', default: '1' } }), undefined);
  });

  test('parseCommandArgs: what parseArgs refuses is still a UsageError with its message', () => {
    const verify = parseOptionsOf(COMMAND_SPECS.verify);
    for (const args of [['--keyring'], ['--nope'], ['--json=1'], ['--keyring', '--json']]) {
      assert.throws(() => parseCommandArgs(args, verify), (e: unknown) => e instanceof UsageError && e.message === nodeParse(args, verify), args.join(' '));
    }
  });
});
