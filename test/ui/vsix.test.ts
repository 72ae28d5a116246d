// What the packaged extension holds: only the allowlist of .vscodeignore, no test key, no source.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../support/tools';
import { packagedExtension } from './packagedExtension';

/** Every file a user gets, as paths inside the extension folder. */
const EXPECTED = [
  'LICENSE.txt', 'changelog.md', 'dist/client.js', 'dist/server.js', 'images/icon.png', 'package.json', 'readme.md',
  'syntaxes/helm-provenance.language-configuration.json', 'syntaxes/helm-provenance.tmLanguage.json',
  'syntaxes/pgp-keys.language-configuration.json', 'syntaxes/pgp-keys.tmLanguage.json',
];

describe('the packaged .vsix', () => {
  const outDir = tempDir('helm-prov-vsix-');
  const unpacked = path.join(outDir, 'unpacked');
  let vsix: string;

  before(async () => {
    vsix = await packagedExtension(outDir);
    execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
  });
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

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
    for (const file of ['dist/client.js', 'dist/server.js']) {
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
