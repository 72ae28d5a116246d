// The version `helm-prov --version` prints: package.json's, put into the bundle by scripts/build.mjs;
// a development run from the tsc output (no bundle) reads package.json itself.
import * as fs from 'node:fs';
import * as path from 'node:path';

declare const HELM_PROV_VERSION: string | undefined;

export function helmProvVersion(): string {
  if (typeof HELM_PROV_VERSION === 'string') return HELM_PROV_VERSION;
  // out/server/src/cli/version.js → the repository's package.json.
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
