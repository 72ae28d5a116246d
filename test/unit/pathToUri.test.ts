// pathToUri answers plain POSIX paths without building a URL: the uri must be exactly what
// pathToFileURL gives, for plain paths and for every near miss (escapes, dot segments, doubled slashes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { pathToUri } from '../../server/src/lsp/uris';

test('the same uri as pathToFileURL for plain paths and their near misses', { skip: process.platform === 'win32' ? 'POSIX paths' : false }, () => {
  const paths = [
    '/', '/a', '/tmp/ws/charts/app/Chart.yaml', '/tmp/ws/charts/app-0.1.0.tgz.prov', '/a/.github/KEYS', '/a/..b/c', '/a/b..', '/a/.x.',
    '/a/./b', '/a/../b', '/a/.', '/a/..', '/a//b', '/a/b/', '/a b/c', '/a%20b', '/a#b', '/a?b', '/ä/b', '/a/b\\c', '/a:b', '/a~b', '/a+b', '/a@b',
    '/A_Z-0.9/x', '//a', '/.', '/..', 'relative/path',
  ];
  for (const file of paths) assert.equal(pathToUri(file), pathToFileURL(file).href, file);
});
