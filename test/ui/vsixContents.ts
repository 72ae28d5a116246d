// What the packaged extension holds (only the allowlist of .vscodeignore: no test key, no source) and
// what its bundles do without node_modules. Declared from ui.test.ts, so the one .vsix is shared.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot, signedCases, tempDir } from '../support/tools';
import { publicKeyring } from '../vscode/fixtureWorkspace';
import { packagedExtension } from './packagedExtension';

/** Every file a user gets, as paths inside the extension folder. */
const EXPECTED = [
  'LICENSE.txt', 'bin/codeCache.js', 'bin/helm-prov-ls.js', 'bin/privateCache.js', 'changelog.md', 'dist/client.js', 'dist/clientFeatures.js', 'dist/server.js', 'images/icon.png', 'package.json', 'readme.md',
  'syntaxes/containers-policy.language-configuration.json', 'syntaxes/containers-policy.schema.json', 'syntaxes/containers-policy.tmLanguage.json',
  'syntaxes/helm-provenance.language-configuration.json', 'syntaxes/helm-provenance.tmLanguage.json',
  'syntaxes/pgp-keys.language-configuration.json', 'syntaxes/pgp-keys.tmLanguage.json',
];

export function describeVsixContents(): void {
  describe('the packaged .vsix', () => {
    const unpacked = tempDir('helm-prov-vsix-unpacked-');
    let vsix: string;

    before(async () => {
      vsix = await packagedExtension();
      execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
    });
    after(() => fs.rmSync(unpacked, { recursive: true, force: true }));

    test('holds the bundles, grammars, icon, manifest and docs, and nothing else', () => {
      const files = fs.readdirSync(path.join(unpacked, 'extension'), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(path.join(unpacked, 'extension'), path.join(e.parentPath, e.name)))
        .sort();
      assert.deepEqual(files, [...EXPECTED].sort());
    });

    test('carries no private key, no fixture and no node_modules', () => {
      const everything = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
      assert.doesNotMatch(everything, /fixtures|node_modules|\.ts$|\.map$/m);
      for (const file of ['dist/client.js', 'dist/clientFeatures.js', 'dist/server.js']) {
        const text = fs.readFileSync(path.join(unpacked, 'extension', file), 'utf8');
        assert.doesNotMatch(text, /-----BEGIN PGP PRIVATE KEY BLOCK-----\r?\n\r?\n?[A-Za-z0-9+/]/);
      }
    });

    test('the server bundle starts on its own: no require of anything outside Node', () => {
      const requires = new Set<string>();
      const text = fs.readFileSync(path.join(unpacked, 'extension', 'dist', 'server.js'), 'utf8');
      for (const m of text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) requires.add(m[1]);
      const nonBuiltin = [...requires].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name));
      assert.deepEqual(nonBuiltin, []);
    });
  });

  describe('the bundles', () => {
    before(() => packagedExtension()); // builds dist/ first

    test('verify a brainpool signature from a folder with no node_modules (eckey-utils is bundled)', () => {
      // openpgp.js loads eckey-utils at run time for brainpool curves; a bundle must not depend on finding it.
      const lonely = tempDir('helm-prov-bundle-');
      try {
        fs.copyFileSync(path.join(repoRoot, 'dist', 'helm-prov.js'), path.join(lonely, 'helm-prov.js'));
        const caseDir = path.join(signedCases, 'valid-brainpool');
        const archive = path.join(caseDir, fs.readdirSync(caseDir).find((f) => f.endsWith('.tgz'))!);
        const script = `require('./helm-prov.js').main(${JSON.stringify(['verify', archive, '--keyring', publicKeyring])}).then((code) => process.exit(code))`;
        const output = execFileSync(process.execPath, ['-e', script], { cwd: lonely, encoding: 'utf8' });
        assert.match(output, /^Using Key With Fingerprint: 02681CAABD065A7044FC116C5E21886CE9BE4C8C$/m);
        assert.match(output, /^Chart Hash Verified: sha256:[0-9a-f]{64}$/m);
      } finally {
        fs.rmSync(lonely, { recursive: true, force: true });
      }
    });
  });
}
