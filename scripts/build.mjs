#!/usr/bin/env node
// Bundles what ships: the VS Code client in two bundles (`vscode` left to the host), the language
// server (`dist/server.js`, standalone) and the CLI (`dist/helm-prov.js`, exporting `main`; and
// `dist/helm-prov-verify.js`, `verify` of local files alone, which bin/helm-prov.js tries first). The
// client's `dist/client.js` is what activation loads and must stay small: the language client and the
// protocol are in `dist/clientFeatures.js`, which it requires after activate() (client/src/extension.ts).
//
// Two things about openpgp.js 6 that a bundle must get right (shared/notes/facts.md):
// - its ESM build reads `import.meta.url`, which crashes a CommonJS bundle at load: resolve `openpgp`
//   to its CommonJS build instead;
// - for brainpool curves it loads the optional package `eckey-utils` at run time through
//   `createRequire(__filename)`, which would look next to the bundle (nothing is there in a .vsix):
//   that one call is rewritten into a plain `require('eckey-utils')` so esbuild bundles the package.
//
// Usage: node scripts/build.mjs [--dev] [client|server|cli]...
//   --dev: no minification (source maps are always written); names: build only those bundles.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const dev = process.argv.includes('--dev');
const packageVersion = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).version;

// `require` resolves through openpgp's exports map to its CommonJS build (dist/node/openpgp.min.cjs).
const openpgpCjs = require.resolve('openpgp');
if (!openpgpCjs.endsWith('.cjs')) throw new Error(`openpgp resolved to ${openpgpCjs}, not its CommonJS build`);
const ECKEY_RUNTIME_REQUIRE = /\b[A-Za-z_$][\w$]*\.nodeRequire\(\s*["']eckey-utils["']\s*\)/g;
/** openpgp 6.3.2 loads eckey-utils in two places (sign and verify); fewer means the build is wrong. */
const ECKEY_REQUIRES_EXPECTED = 2;

/** @type {esbuild.Plugin} */
const openpgpCommonJs = {
  name: 'openpgp-commonjs',
  setup(build) {
    build.onResolve({ filter: /^openpgp$/ }, () => ({ path: openpgpCjs }));
    build.onLoad({ filter: /[\\/]openpgp\.min\.cjs$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const found = source.match(ECKEY_RUNTIME_REQUIRE)?.length ?? 0;
      if (found !== ECKEY_REQUIRES_EXPECTED) {
        throw new Error(`openpgp: expected ${ECKEY_REQUIRES_EXPECTED} run-time requires of eckey-utils, found ${found}; brainpool keys would break`);
      }
      return { contents: source.replace(ECKEY_RUNTIME_REQUIRE, 'require("eckey-utils")'), loader: 'js' };
    });
  },
};

/**
 * One namespace object for each module our modules import whole (`import * as fs from 'node:fs'`, in 23
 * modules; node:path in 54) or from a CommonJS package: esbuild gives every importing module its own copy
 * of the module's exports (`__toESM`: a getter per export, 104 for node:fs), which a cold CLI run pays at
 * each module's first use (~2 ms of CPU for the modules a verify evaluates). Through this shared module the
 * copy is made once. The server's modules import vscode-languageserver/node (some 500 exports) in 18
 * places: 10 000 getters, 8-10 ms of every start before `initialize` is answered. Only our own `import`
 * statements: a package's `require('fs')` stays Node's object itself.
 */
const SHARED_BUILTINS = /^node:(fs|path)$/;
const SERVER_SHARED = /^(node:(fs|fs\/promises|path|os|zlib)|vscode-languageserver\/node|vscode-languageserver-protocol)$/;
/** @type {(filter: RegExp) => esbuild.Plugin} */
const sharedImports = (filter) => ({
  name: 'shared-imports',
  setup(build) {
    build.onResolve({ filter }, (args) => {
      // From the shared module itself: a builtin stays external, a package is bundled as usual.
      if (args.namespace === 'shared-module') return args.path.startsWith('node:') ? { path: args.path, external: true } : undefined;
      if (args.kind !== 'import-statement' || args.importer.includes('node_modules')) return undefined;
      return { path: args.path, namespace: 'shared-module' };
    });
    build.onLoad({ filter: /.*/, namespace: 'shared-module' }, (args) => ({ contents: `export * from ${JSON.stringify(args.path)};`, loader: 'js', resolveDir: root }));
  },
});
const sharedBuiltins = sharedImports(SHARED_BUILTINS);

/**
 * The npm libraries of the verify bundle that a cached verify never evaluates (openpgp.js: a keyring cache
 * miss, a signature other than RSA/Ed25519; `yaml`: a Chart.yaml that is not flat; Sigstore and @noble: a
 * cosign file beside the archive): 60 % of its bytes, read, decoded and deserialised at every start. They
 * go to a bundle of their own, `dist/helm-prov-verify-libs.js`, which the verify bundle requires at their
 * first use; bin/codeCache.js runs it through a code cache of its own (a sibling bundle). The verify
 * bundle carries the libraries bundle's SHA-256 in its first line, so that what is keyed by the verify
 * bundle's digest (the code cache, keyCache.ts's entries: descriptions computed by openpgp.js) changes
 * with the libraries.
 */
const SPLIT_LIBRARIES = /^(openpgp|yaml|@sigstore\/[^/]+|@noble\/[^/]+)(\/.*)?$/;
const LIBRARIES_FILE = 'helm-prov-verify-libs.js';
const LIBRARIES_REQUEST = new RegExp(`^\\./${LIBRARIES_FILE.replaceAll('.', '\\.')}$`);
/** Each library import of the verify bundle becomes a module that takes it from the libraries bundle; `found` collects the specifiers. */
function splitLibraries(found) {
  return {
    name: 'split-libraries',
    setup(build) {
      build.onResolve({ filter: SPLIT_LIBRARIES }, (args) => (args.namespace === 'split-library' ? undefined : { path: args.path, namespace: 'split-library' }));
      build.onLoad({ filter: /.*/, namespace: 'split-library' }, (args) => {
        found.add(args.path);
        return { contents: `module.exports = require(${JSON.stringify(`./${LIBRARIES_FILE}`)})[${JSON.stringify(args.path)}];`, loader: 'js' };
      });
      build.onResolve({ filter: LIBRARIES_REQUEST, namespace: 'split-library' }, (args) => ({ path: args.path, external: true }));
    },
  };
}
/** The libraries bundle's entry: each specifier the verify bundle takes, required (and evaluated) at its first use. */
function librariesEntry(specifiers) {
  const getters = [...specifiers].sort().map((s) => `  get ${JSON.stringify(s)}() { return require(${JSON.stringify(s)}); },`);
  return { contents: `module.exports = {\n${getters.join('\n')}\n};\n`, resolveDir: root, sourcefile: 'verify-libraries.js', loader: 'js' };
}

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: !dev,
  sourcemap: true,
  // Prefer the CommonJS side of dual packages: no import.meta in a CommonJS bundle.
  mainFields: ['main', 'module'],
  logLevel: 'warning',
  metafile: true,
  plugins: [openpgpCommonJs],
  absWorkingDir: root,
};

/** What the activation bundle must not hold (one value import of the protocol would bring it all in). */
const LANGUAGE_CLIENT_CODE = {
  pattern: /node_modules\/vscode-(languageclient|languageserver-protocol|languageserver-types|jsonrpc)\//,
  why: 'reach it only through client/src/clientFeatures.ts (protocol.ts: import types only)',
};
/** What the verify bundle must not hold: another command's code (its size is the point of that bundle). */
const OTHER_COMMANDS = {
  pattern: /server\/src\/(cli\/(ociCommands|signCommands|fileCommands|policyCommands|doctorCommand|sigstoreCommands|releaseCheckCommand|helmProv)\.ts|oci\/|policy\/|lsp\/)/,
  why: 'server/src/cli/verifyMain.ts runs `verify` of local files only; other commands are helmProv.ts\'s',
};

const allBundles = [
  { name: 'client', entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'], mustNotHold: LANGUAGE_CLIENT_CODE },
  { name: 'client', entryPoints: ['client/src/clientFeatures.ts'], outfile: 'dist/clientFeatures.js', external: ['vscode'] },
  // The launchers run the server and CLI bundles as a vm.Script (bin/codeCache.js), at every start: ASCII
  // only (one non-ASCII byte makes all of it a two-byte string: 2.3 ms more to decode, twice the memory;
  // esbuild leaves regular expressions as written) and no `import(` (a vm.Script has no loader for it;
  // esbuild keeps it for external modules).
  { name: 'server', entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server.js', plugins: [openpgpCommonJs, sharedImports(SERVER_SHARED)], vmScript: true },
  // `helm-prov --version` reads it from the bundle (server/src/cli/version.ts).
  { name: 'cli', entryPoints: ['server/src/cli/helmProv.ts'], outfile: 'dist/helm-prov.js', define: { HELM_PROV_VERSION: JSON.stringify(packageVersion) }, plugins: [openpgpCommonJs, sharedBuiltins], vmScript: true },
  { name: 'cli', entryPoints: ['server/src/cli/verifyMain.ts'], outfile: 'dist/helm-prov-verify.js', define: { HELM_PROV_VERSION: JSON.stringify(packageVersion) }, plugins: [openpgpCommonJs, sharedBuiltins], vmScript: true, mustNotHold: OTHER_COMMANDS, librariesApart: `dist/${LIBRARIES_FILE}` },
];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((name) => !allBundles.some((b) => b.name === name));
if (unknown.length > 0) throw new Error(`unknown bundle(s): ${unknown.join(', ')}; known: ${[...new Set(allBundles.map((b) => b.name))].join(', ')}`);
const bundles = allBundles.filter((b) => wanted.length === 0 || wanted.includes(b.name));

/**
 * A bundle whose libraries go apart: built once to learn which specifiers it takes (nothing written), then
 * the libraries bundle, then the bundle itself with the libraries bundle's digest in its first line.
 * Returns both results.
 */
async function buildWithLibrariesApart(options, librariesOutfile) {
  const specifiers = new Set();
  const split = { ...options, plugins: [splitLibraries(specifiers), ...options.plugins] };
  await esbuild.build({ ...split, write: false, sourcemap: false });
  const libraries = await esbuild.build({ ...common, stdin: librariesEntry(specifiers), outfile: librariesOutfile });
  const digest = createHash('sha256').update(await readFile(path.join(root, librariesOutfile))).digest('hex');
  const main = await esbuild.build({ ...split, banner: { js: `// ${LIBRARIES_FILE} sha256 ${digest}` } });
  return [main, libraries];
}

const built = await Promise.all(bundles.map(({ name: _name, mustNotHold: _mustNotHold, vmScript: _vmScript, librariesApart, ...bundle }) =>
  librariesApart ? buildWithLibrariesApart({ ...common, ...bundle }, librariesApart) : esbuild.build({ ...common, ...bundle }).then((r) => [r])));
const results = built.flat();
const outputs = bundles.flatMap((b) => (b.librariesApart ? [b, { outfile: b.librariesApart, vmScript: b.vmScript }] : [b]));
for (const [i, result] of results.entries()) {
  const { outfile, mustNotHold, vmScript } = outputs[i];
  if (vmScript) {
    const text = await readFile(path.join(root, outfile), 'latin1');
    // A --dev build keeps comments (some not ASCII): only slower to decode, so the check is the release's.
    const at = dev ? -1 : text.search(/[^\x00-\x7f]/);
    if (at >= 0) throw new Error(`${outfile} must be ASCII; found a non-ASCII byte near: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))} (write it as a \\u escape)`);
    if (text.includes('import(')) throw new Error(`${outfile} must not use import() (bin/codeCache.js runs it as a vm.Script): near ${JSON.stringify(text.slice(Math.max(0, text.indexOf('import(') - 60), text.indexOf('import(') + 30))}`);
  }
  const output = result.metafile.outputs[outfile];
  const misplaced = new Set(Object.keys(output.inputs).map((input) => mustNotHold?.pattern.exec(input)?.[0]).filter(Boolean));
  if (misplaced.size > 0) throw new Error(`${outfile} must not hold ${[...misplaced].join(', ')}: ${mustNotHold.why}`);
  console.log(`${outfile}: ${(output.bytes / 1024).toFixed(0)} KiB`);
}
