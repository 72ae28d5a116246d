#!/usr/bin/env node
// Builds the bundles (scripts/build.mjs) and packs the extension into a .vsix with @vscode/vsce.
// What goes in is decided by .vscodeignore (an allowlist); the marketplace page is client/README.md,
// whose relative links are written relative to client/ (so they also work when browsing the repo).
//
// Usage: node scripts/package.mjs [--out <file.vsix>]     (default: dist/<name>-<version>.vsix)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVSIX } from '@vscode/vsce';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const outIndex = process.argv.indexOf('--out');
const packagePath = path.resolve(outIndex > 0 ? process.argv[outIndex + 1] : path.join(root, 'dist', `${manifest.name}-${manifest.version}.vsix`));

/** Where the README's relative links point on the marketplace: the repository, seen from client/. */
function repositoryUrl() {
  const repo = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  return (repo ?? 'https://github.com/helm-provenance/helm-provenance').replace(/^git\+/, '').replace(/\.git$/, '');
}

execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
fs.mkdirSync(path.dirname(packagePath), { recursive: true });
await createVSIX({
  cwd: root,
  packagePath,
  // Everything runs from the bundles: no node_modules in the package.
  dependencies: false,
  readmePath: 'client/README.md',
  baseContentUrl: `${repositoryUrl()}/blob/HEAD/client`,
  baseImagesUrl: `${repositoryUrl()}/raw/HEAD/client`,
  // vsce would stop and ask on a terminal; without a LICENSE file or repository field, go on.
  skipLicense: !fs.existsSync(path.join(root, 'LICENSE')),
  allowMissingRepository: true,
});
console.log(packagePath);
