// Path settings as people write them, on POSIX and Windows: expanded once, absolute or refused, and
// never inside an untrusted workspace folder (also not through a symbolic link).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  expandUserPath, folderHolding, isFullyQualified, keyringPaths, resolveGnupgHome, resolveUserPath, type PathContext,
} from '../../server/src/provenance/userPaths';
import { resolvePathSettings } from '../../server/src/lsp/pathSettings';
import { DEFAULT_SETTINGS } from '../../server/src/lsp/protocol';
import { scratch } from '../support/tools';

const posix: PathContext = { env: { HOME: '/home/ana', XDG_DATA_HOME: '/data/ana' }, platform: 'linux', homedir: '/home/ana', untrustedFolders: [] };
const windows: PathContext = {
  env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming', UserProfile: 'C:\\Users\\ana' }, platform: 'win32', homedir: 'C:\\Users\\ana', untrustedFolders: [],
};

const expanded = (value: string, where: PathContext): string => {
  const result = expandUserPath(value, where);
  assert.ok(result.ok, `${value}: ${result.ok ? '' : result.reason}`);
  return result.path;
};

const refused = (value: string, where: PathContext): string => {
  const result = resolveUserPath(value, where);
  assert.ok(!result.ok, `${value} was accepted as ${result.ok ? result.path : ''}`);
  return result.reason;
};

test('POSIX: ~, $HOME, ${HOME}, ${env:HOME}, ${userHome} and other variables expand; the result is normalized', () => {
  for (const form of ['~', '$HOME', '${HOME}', '${env:HOME}', '${userHome}']) assert.equal(expanded(`${form}/.gnupg/pubring.gpg`, posix), '/home/ana/.gnupg/pubring.gpg', form);
  assert.equal(expanded('~', posix), '/home/ana');
  assert.equal(expanded('${env:XDG_DATA_HOME}/keys/../keys/KEYS', posix), '/data/ana/keys/KEYS');
  assert.equal(expanded('/etc/keys/pubring.gpg', posix), '/etc/keys/pubring.gpg');
  // A variable's value is not expanded again, and a `$` that names nothing stays.
  assert.equal(expanded('$HOME/x', { ...posix, env: { HOME: '/home/$XDG_DATA_HOME' } }), '/home/$XDG_DATA_HOME/x');
  assert.equal(expanded('/keys/$1/pubring.gpg', posix), '/keys/$1/pubring.gpg');
});

test('POSIX: relative paths, ~user, unset variables and NUL are refused, each with its reason', () => {
  for (const value of ['pubring.gpg', './keys/pubring.gpg', '.gnupg', '~ana/.gnupg', 'keys/$HOME/pubring.gpg']) assert.match(refused(value, posix), /not an absolute path/, value);
  assert.match(refused('$NOT_SET/pubring.gpg', posix), /^\$NOT_SET is not set/);
  assert.match(refused('${env:NOT_SET}/pubring.gpg', posix), /^\$\{env:NOT_SET\} is not set/);
  assert.match(refused('$HOME/x', { ...posix, env: { HOME: '' } }), /^\$HOME is not set/);
  assert.match(refused('/keys/a\0b', posix), /NUL/);
  // A literal folder named `$HOME` in a relative path stays relative: refused, never looked up.
  assert.match(refused('x/$HOME/.gnupg/pubring.gpg', posix), /not an absolute path/);
});

test('Windows: ~\\, ${env:APPDATA} (any case), ${userHome}; drive and UNC paths are absolute, \\x and C:x are not', () => {
  assert.equal(expanded('~\\.gnupg\\pubring.kbx', windows), 'C:\\Users\\ana\\.gnupg\\pubring.kbx');
  assert.equal(expanded('~/keys/KEYS', windows), 'C:\\Users\\ana\\keys\\KEYS');
  assert.equal(expanded('${env:APPDATA}\\gnupg\\pubring.kbx', windows), 'C:\\Users\\ana\\AppData\\Roaming\\gnupg\\pubring.kbx');
  assert.equal(expanded('${env:appdata}\\gnupg', windows), 'C:\\Users\\ana\\AppData\\Roaming\\gnupg');
  assert.equal(expanded('$USERPROFILE\\keys', windows), 'C:\\Users\\ana\\keys');
  assert.equal(expanded('${userHome}\\keys', windows), 'C:\\Users\\ana\\keys');
  assert.equal(expanded('\\\\server\\share\\pubring.gpg', windows), '\\\\server\\share\\pubring.gpg');
  for (const value of ['\\keys\\pubring.gpg', 'C:keys\\pubring.gpg', 'keys\\pubring.gpg', '.gnupg']) assert.match(refused(value, windows), /not an absolute path/, value);
  assert.equal(isFullyQualified('D:/keys', 'win32'), true);
  assert.equal(isFullyQualified('/keys', 'win32'), false);
});

test('GnuPG home: the setting, else $GNUPGHOME as it is (a relative one refused), else the platform default', () => {
  assert.deepEqual(resolveGnupgHome('', posix), { home: '/home/ana/.gnupg' });
  assert.deepEqual(resolveGnupgHome('~/gpg', posix), { home: '/home/ana/gpg' });
  assert.deepEqual(resolveGnupgHome('', { ...posix, env: { GNUPGHOME: '/g' } }), { home: '/g' });
  const relative = resolveGnupgHome('', { ...posix, env: { GNUPGHOME: '.gnupg' } });
  assert.ok('refusal' in relative && relative.refusal.setting === 'the environment variable GNUPGHOME');
  assert.deepEqual(resolveGnupgHome('', windows), { home: 'C:\\Users\\ana\\AppData\\Roaming\\gnupg' });
  const setting = resolveGnupgHome('gnupg', posix);
  assert.ok('refusal' in setting && setting.refusal.setting === 'helmProvenance.gnupgHome');
});

test('keyringPaths: configured ones expanded (refused ones reported, never replaced by defaults), else the defaults in the home', () => {
  assert.deepEqual(keyringPaths(['~/a.gpg', 'b.gpg'], '', posix), {
    paths: ['/home/ana/a.gpg'], explicit: true,
    refusals: [{ setting: 'helmProvenance.keyrings', value: 'b.gpg', reason: refused('b.gpg', posix) }],
  });
  assert.deepEqual(keyringPaths(['c.gpg'], '', posix).paths, []);
  assert.deepEqual(keyringPaths([], '$HOME/gpg', posix), { paths: ['/home/ana/gpg/pubring.kbx', '/home/ana/gpg/pubring.gpg'], explicit: false, refusals: [] });
  assert.deepEqual(keyringPaths([], '', windows).paths, ['C:\\Users\\ana\\AppData\\Roaming\\gnupg\\pubring.kbx', 'C:\\Users\\ana\\AppData\\Roaming\\gnupg\\pubring.gpg']);
});

test('an untrusted workspace folder holds no key source: by path, by a link into it, or as the GnuPG home', () => {
  const root = scratch('user-paths-');
  const repo = path.join(root, 'repo');
  const mine = path.join(root, 'mine');
  fs.mkdirSync(path.join(repo, 'keys'), { recursive: true });
  fs.mkdirSync(mine);
  fs.symlinkSync(path.join(repo, 'keys'), path.join(mine, 'linked'));
  const where: PathContext = { ...posix, homedir: mine, untrustedFolders: [repo] };
  assert.match(refused(path.join(repo, 'keys', 'pubring.gpg'), where), /inside the workspace folder .* not trusted \(Restricted Mode\)/);
  assert.match(refused('~/linked/pubring.gpg', where), /inside the workspace folder/);
  assert.match(refused(repo, where), /is the workspace folder/);
  assert.equal(folderHolding(path.join(mine, 'pubring.gpg'), [repo]), undefined);
  assert.equal(folderHolding(`${repo}-other/pubring.gpg`, [repo]), undefined);
  const home = resolveGnupgHome('', { ...where, env: { GNUPGHOME: path.join(repo, '.gnupg') } });
  assert.ok('refusal' in home);
  // Trusted (no untrusted folders), the same paths are fine.
  assert.equal(resolveUserPath(path.join(repo, 'keys', 'pubring.gpg'), { ...where, untrustedFolders: [] }).ok, true);
});

test('resolvePathSettings: a backend whose key source or program was refused cannot sign; a bare gpg name is looked up on PATH', () => {
  const settings = { ...DEFAULT_SETTINGS, secretKeyring: 'sec.gpg', gpgPath: 'bin/gpg' };
  const resolved = resolvePathSettings(settings, posix);
  assert.equal(resolved.signingRefusal.openpgp?.setting, 'helmProvenance.secretKeyring');
  assert.equal(resolved.signingRefusal.gpg?.setting, 'helmProvenance.gpgPath');
  assert.deepEqual(resolved.refusals.map((r) => r.setting).sort(), ['helmProvenance.gpgPath', 'helmProvenance.secretKeyring']);
  const fine = resolvePathSettings({ ...DEFAULT_SETTINGS, gnupgHome: '~/g', gpgPath: 'gpg2' }, posix);
  assert.deepEqual(fine.signingRefusal, {});
  assert.deepEqual(fine.secretKeyrings, ['/home/ana/g/secring.gpg']);
  assert.equal(fine.gpgHome, '/home/ana/g');
  assert.equal(fine.gpgPath, 'gpg2');
  assert.equal(resolvePathSettings({ ...DEFAULT_SETTINGS, gpgPath: '~/bin/gpg' }, posix).gpgPath, '/home/ana/bin/gpg');
});
