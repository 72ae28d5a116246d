// `helm-prov`: the engine on the command line, for CI. Thin: argument parsing and printing only.
// Exit codes: 0 all verified/done, 1 any rejected/failed, 2 usage error.
import { isKeysFind, namesRegistry, runCli, type Command } from './cliMain';
import type { Io } from './io';

export type { Io } from './io';

/**
 * Every command by name, its code loaded only when it runs: a dynamic import is a module esbuild leaves
 * unevaluated in the bundle until called, so `verify` does not start the Sigstore, registry, policy or
 * key look-up code (nor the libraries they import). Names, synopses and help are data in
 * commandSpecs.ts and familyUsage.ts, so `--help` and usage errors load no command either.
 */
const COMMANDS: Record<string, Command> = {
  verify: async (args, io) => (namesRegistry(args)
    ? (await import('./ociCommands')).OCI_COMMANDS.verify(args, io)
    : (await import('./verifyCommand')).verifyCommand(args, io)),
  sign: async (args, io) => (await import('./signCommands')).signCommand(args, io),
  package: async (args, io) => (await import('./signCommands')).packageCommand(args, io),
  lint: async (args, io) => (await import('./fileCommands')).lintCommand(args, io),
  'verify-file': async (args, io) => (await import('./fileCommands')).verifyFileCommand(args, io),
  keys: async (args, io) => (isKeysFind(args)
    ? (await import('./keyCommands')).keysFind(args, io)
    : (await import('./fileCommands')).keysCommand(args, io)),
  'release-check': async (args, io) => (await import('./releaseCheckCommand')).releaseCheckCommand(args, io),
  'verify-blob': async (args, io) => (await import('./sigstoreCommands')).SIGSTORE_COMMANDS['verify-blob'](args, io),
  'verify-bundle': async (args, io) => (await import('./sigstoreCommands')).SIGSTORE_COMMANDS['verify-bundle'](args, io),
  sigstore: async (args, io) => (await import('./sigstoreCommands')).SIGSTORE_COMMANDS.sigstore(args, io),
  push: async (args, io) => (await import('./ociCommands')).OCI_COMMANDS.push(args, io),
  deps: async (args, io) => (await import('./ociCommands')).OCI_COMMANDS.deps(args, io),
  policy: async (args, io) => (await import('./policyCommands')).POLICY_COMMANDS.policy(args, io),
  'verify-image-signature': async (args, io) => (await import('./policyCommands')).POLICY_COMMANDS['verify-image-signature'](args, io),
  doctor: async (args, io) => (await import('./doctorCommand')).DOCTOR_COMMANDS.doctor(args, io),
};

/** Set by the launcher (bin/helm-prov.js): the private cache folder for the keyring cache. */
export { setPrivateCache } from './loadKeys';

export async function main(argv: string[], unsafeIo?: Io): Promise<number> {
  return runCli(argv, COMMANDS, unsafeIo);
}
