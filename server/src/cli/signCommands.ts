// `helm-prov sign` and `helm-prov package [--sign]`. The backend and key are chosen (and an
// openpgp.js key unlocked) before any archive is written, so a key that cannot sign leaves no unsigned
// archive behind; an archive this run packaged is removed again when signing it fails.
import * as fs from 'node:fs';
import type { Problem } from '../provenance/codes';
import type { PreparedSigner } from '../provenance/sign';
import type { ArchiveToSign } from '../provenance/signSource';
import { escapeUntrusted } from '../provenance/untrustedText';
import { parseCommandArgs, UsageError } from './args';
import { COMMAND_SPECS, parseOptionsOf } from './commandSpecs';
import { MAX_PASSPHRASE_BYTES, PASSPHRASE_WAIT, passphraseText, type Io } from './io';

interface SignValues {
  key?: string; keyring?: string[]; 'passphrase-file'?: string; gpg?: boolean; openpgp?: boolean; 'gpg-home'?: string; destination?: string;
}

async function readPassphrase(file: string | undefined, io: Io): Promise<string | undefined> {
  if (file === undefined) return process.env.HELM_PROV_PASSPHRASE;
  let raw: string;
  if (file === '-') {
    raw = await io.stdin();
  } else {
    // A regular file or a pipe (`<(pass show key)` is /dev/fd/N), bounded in size and in waiting; devices refused.
    const { readBoundedInput } = await import('../provenance/boundedRead');
    raw = passphraseText(await readBoundedInput(file, MAX_PASSPHRASE_BYTES, PASSPHRASE_WAIT));
  }
  return raw.replace(/\r?\n$/, '');
}

function printError(problem: Problem, io: Io): void {
  io.err(`Error: ${escapeUntrusted(problem.message, 4000)} [${problem.code}]`);
  if (problem.code === 'passphrase-required') {
    io.err('Give it with --passphrase-file F (or - for standard input) or $HELM_PROV_PASSPHRASE; on a terminal helm-prov asks for it.');
  }
}

/** The signer for --key: the backend that holds the key (or the forced one), asking for a passphrase on a terminal. */
async function prepareSigner(values: SignValues, io: Io): Promise<PreparedSigner | undefined> {
  if (values.gpg && values.openpgp) throw new UsageError('--gpg and --openpgp each force one backend: give one of them');
  const { chooseSigner } = await import('../provenance/signBackend');
  let passphrase = await readPassphrase(values['passphrase-file'], io);
  const choose = () => chooseSigner({
    keyQuery: values.key as string,
    secretKeyrings: values.keyring ?? [],
    passphrase,
    gpg: values['gpg-home'] ? { gpgHome: values['gpg-home'] } : {},
    hint: 'Name the GnuPG home that holds the key with --gpg-home DIR (or $GNUPGHOME), or an exported secret keyring with --keyring F; --gpg or --openpgp forces one backend.',
    ...(values.gpg ? { backend: 'gpg' as const } : values.openpgp ? { backend: 'openpgp' as const } : {}),
  });
  let chosen = await choose();
  if (!chosen.ok && chosen.error.code === 'passphrase-required' && passphrase === undefined && io.askHidden) {
    passphrase = await io.askHidden(`${chosen.error.message.replace(/:.*$/s, '')}. Passphrase: `);
    if (passphrase !== undefined) chosen = await choose();
  }
  if (!chosen.ok) {
    printError(chosen.error, io);
    return undefined;
  }
  return chosen.value;
}

/** Signs `toSign` (its bytes pinned when they were packaged or compared) and says how and where it came from. */
async function signWith(signer: PreparedSigner, toSign: ArchiveToSign, io: Io): Promise<number> {
  const signed = await signer.sign(toSign.archivePath, toSign.sha256);
  if (!signed.ok) {
    printError(signed.error, io);
    return 1;
  }
  const result = signed.value;
  const by = result.backend === 'gpg' ? 'gpg' : 'openpgp.js';
  io.out(`Signed ${escapeUntrusted(result.archivePath, 2000)} → ${escapeUntrusted(result.provPath, 2000)} with ${by}`);
  if (result.uid !== undefined) io.out(`Signed by: ${escapeUntrusted(result.uid)}`);
  io.out(`Using Key With Fingerprint: ${result.fingerprint}`);
  if (result.signingKey !== result.fingerprint) io.out(`Signing Subkey: ${result.signingKey}`);
  if (result.passphraseUnused) {
    io.out('Note: gpg-agent had this key unlocked already (a cached passphrase), so the passphrase given was neither used nor checked.');
  }
  if (toSign.origin.kind !== 'packaged') io.out((await import('../provenance/signSource')).describeOrigin(toSign));
  return 0;
}

/** Signs an archive this run just wrote; when signing fails, the unsigned archive is removed again. */
async function signFresh(signer: PreparedSigner, toSign: ArchiveToSign, io: Io): Promise<number> {
  const status = await signWith(signer, toSign, io);
  if (status !== 0) {
    fs.rmSync(toSign.archivePath, { force: true });
    io.err(`Removed the unsigned ${escapeUntrusted(toSign.archivePath, 2000)} that this run packaged.`);
  }
  return status;
}

/**
 * `sign <chart-dir>` signs the archive of the source as it is now: the existing `<name>-<version>.tgz`
 * in the destination only when it is what packaging the directory writes, else a fresh package when
 * there is none (docs/security.md). `sign <archive>` signs that archive and says whether it matches a
 * chart folder next to it.
 */
export async function signCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS.sign));
  const given = values as SignValues;
  if (positionals.length !== 1) throw new UsageError('sign takes one chart directory or archive');
  if (!given.key) throw new UsageError('sign needs --key <fingerprint|user id>');
  const target = positionals[0];
  const signer = await prepareSigner(given, io);
  if (!signer) return 1;
  const { archiveAsGiven, archiveForChart } = await import('../provenance/signSource');
  if (!fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) return signWith(signer, await archiveAsGiven(target), io);
  const destination = given.destination ?? process.cwd();
  const chosen = await archiveForChart(target, destination, {
    rebuildHint: `Rebuild it from the source and sign it: helm-prov package ${target} -d ${destination} --sign --key ${given.key}`,
  });
  if (!chosen.ok) {
    printError(chosen.error, io);
    return 1;
  }
  if (chosen.value.origin.kind !== 'packaged') return signWith(signer, chosen.value, io);
  io.out(`Successfully packaged chart and saved it to: ${escapeUntrusted(chosen.value.archivePath, 2000)}`);
  return signFresh(signer, chosen.value, io);
}

export async function packageCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS.package));
  const given = values as SignValues & { sign?: boolean };
  if (positionals.length !== 1) throw new UsageError('package takes one chart directory');
  if (given.sign && !given.key) throw new UsageError('package --sign needs --key <fingerprint|user id>');
  const signer = given.sign ? await prepareSigner(given, io) : undefined;
  if (given.sign && !signer) return 1;
  const dir = positionals[0];
  const { packageChart } = await import('../provenance/package');
  const packaged = await packageChart(dir, { outDir: given.destination ?? process.cwd() });
  if (!packaged.ok) {
    printError(packaged.error, io);
    return 1;
  }
  const { archivePath, sha256, warnings } = packaged.value;
  io.out(`Successfully packaged chart and saved it to: ${escapeUntrusted(archivePath, 2000)}`);
  if (!signer) return 0;
  return signFresh(signer, { archivePath, sha256, origin: { kind: 'packaged', chartDir: dir }, warnings }, io);
}
