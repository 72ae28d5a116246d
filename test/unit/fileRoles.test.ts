// The one table of file roles: every name has the role the server routes it by, and the document
// routing never throws on a uri it cannot decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { archiveNamedBy, documentKind, fileRole } from '../../server/src/lsp/fileRoles';

const NAMED = { 'Chart.yaml': 'chart', 'mychart-1.2.3.tgz': 'archive', 'mychart-1.2.3.tgz.prov': 'prov', KEYS: 'keys', 'release.KEYS': 'keys' } as const;
const UNNAMED = ['chart.yaml', 'Chart.yml', 'values.yaml', 'KEYS.txt', 'x.tgz.asc', 'prov'];

test('each name has the role the server routes it by; other names have none', () => {
  for (const name of UNNAMED) assert.equal(fileRole(name), undefined, name);
  for (const [name, role] of Object.entries(NAMED)) assert.equal(fileRole(path.join('/w', 'sub', name)), role, name);
});

test('documentKind: by name, or by the language the editor gave a .prov or KEYS document', () => {
  assert.equal(documentKind('file:///w/c/Chart.yaml', 'yaml'), 'chart');
  assert.equal(documentKind('file:///w/c/Chart%2Eyaml', 'yaml'), 'chart');
  assert.equal(documentKind('file:///w/a-1.0.0.tgz.prov', 'plaintext'), 'prov');
  assert.equal(documentKind('untitled:Untitled-1', 'helm-provenance'), 'prov');
  assert.equal(documentKind('file:///w/KEYS', 'plaintext'), 'keys');
  assert.equal(documentKind('untitled:Untitled-2', 'pgp-keys'), 'keys');
  assert.equal(documentKind('file:///w/values.yaml', 'yaml'), undefined);
  // A folder that decodes to a slash is still not Chart.yaml's folder.
  assert.equal(documentKind('file:///w/x%2FChart.yaml', 'yaml'), undefined);
});

test('documentKind does not throw on a uri that is not valid percent-encoding', () => {
  assert.equal(documentKind('file:///w/%E0%A4%A', 'yaml'), undefined);
  assert.equal(documentKind('file:///w/%E0%A4%A.prov', 'plaintext'), 'prov');
});

test('archiveNamedBy: an archive, or the .prov of one', () => {
  assert.equal(archiveNamedBy('/w/a-1.0.0.tgz'), '/w/a-1.0.0.tgz');
  assert.equal(archiveNamedBy('/w/a-1.0.0.tgz.prov'), '/w/a-1.0.0.tgz');
  assert.equal(archiveNamedBy('/w/a.prov'), undefined);
  assert.equal(archiveNamedBy('/w/Chart.yaml'), undefined);
});
