// `helm-prov verify` of files on disk (archives, .prov files, folders), built as a bundle of its own
// (dist/helm-prov-verify.js) that bin/helm-prov.js runs first for `verify`: without the other commands'
// code, the bundle a cold verify reads, deserialises from its code cache and evaluates is smaller (esbuild
// hoists every module's declarations to the bundle's top level, whether or not the module runs). Anything
// else, a registry verify (`oci://`, `--repo`) or another command, it declines before printing anything
// (undefined) and the launcher runs the whole CLI (helmProv.ts) instead. The npm libraries it reaches
// (openpgp.js, yaml, Sigstore, @noble) are a second bundle, required at their first use (scripts/build.mjs):
// a verify whose keys come from the keyring cache, with a flat Chart.yaml, reads none of them.
import { namesRegistry, runCli } from './cliMain';
import type { Io } from './io';
import { verifyCommand } from './verifyCommand';

/** Set by the launcher (bin/helm-prov.js): the private cache folder for the keyring cache. */
export { setPrivateCache } from './loadKeys';

export async function main(argv: string[], unsafeIo?: Io): Promise<number | undefined> {
  if (argv[0] !== 'verify' || namesRegistry(argv.slice(1))) return undefined;
  return runCli(argv, { verify: verifyCommand }, unsafeIo);
}
