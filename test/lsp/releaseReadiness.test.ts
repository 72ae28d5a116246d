// "Check Release Readiness" on a KEYS file over real JSON-RPC: the server lists the file's keys (the
// user's own first), then runs the release check for the one chosen, against Helm's real KEYS file. The
// keyserver on loopback (test/support/keyServer.ts, a protocol-level stand-in for VKS/HKP) is asked only
// with helmProvenance.keyLookups on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { ReleaseReadinessRequest } from '../../server/src/lsp/keyLookupProtocol';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import { KeyServer } from '../support/keyServer';
import { fixtures, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const GEORGE = 'BF888333D96A1C18E2682AAED79D67C9EC016739';
const BUTCHER = '4AB45F1CB0D292975C6371436E2A23D806B6E6DD';

describe('Check Release Readiness over LSP', () => {
  let server: KeyServer;
  let repo: string;
  let user: string;
  let keysUri: string;
  before(async () => {
    repo = tempDir('lsp-release-repo-');
    user = tempDir('lsp-release-user-');
    fs.copyFileSync(path.join(fixtures, 'keys-files', 'helm.KEYS'), path.join(repo, 'KEYS'));
    keysUri = uriOf(path.join(repo, 'KEYS'));
    const ring = await loadKeyringFile(path.join(repo, 'KEYS'));
    assert.ok(ring.ok);
    const george = ring.value.keys.find((k) => k.info.fingerprint === GEORGE)!;
    // The maintainer's own keyring holds their key; the keyserver holds it too, and not Butcher's.
    fs.writeFileSync(path.join(user, 'pubring.gpg'), george.key.write());
    server = await new KeyServer().start();
    await server.serveKey(openpgp.armor(openpgp.enums.armor.publicKey, george.key.write()));
  });
  after(() => server.stop());

  const start = (settings: Record<string, unknown>) => LspSession.start({ workspace: repo, settings: { keyrings: [path.join(user, 'pubring.gpg')], keyservers: [server.url], ...settings }, env: { GNUPGHOME: user } });

  test('lists the KEYS file\'s keys, yours first; checks one without the network while look-ups are off', async () => {
    const session = await start({});
    try {
      const listed = await session.connection.sendRequest(ReleaseReadinessRequest.type, { keysFile: keysUri });
      assert.ok(listed.ok, JSON.stringify(listed));
      assert.equal(listed.keys!.length, 10);
      assert.deepEqual(listed.keys![0], { fingerprint: GEORGE, userId: 'George Jenkins <gvjenkins@gmail.com>', yours: true });
      assert.ok(listed.keys!.slice(1).every((k) => !k.yours));
      const checked = await session.connection.sendRequest(ReleaseReadinessRequest.type, { keysFile: keysUri, fingerprint: GEORGE });
      assert.ok(checked.ok);
      assert.deepEqual(checked.lines!.map((l) => `${l.ok} ${l.code}`), ['true release-can-sign', 'true release-valid-for-days', 'true release-in-keys']);
      assert.match(checked.notes![0], /helmProvenance\.keyLookups/);
      assert.equal(server.requests.length, 0);
    } finally {
      await session.stop();
    }
  });

  test('with look-ups on, each keyserver is asked: published for one key, not for another', async () => {
    const session = await start({ keyLookups: true });
    try {
      const george = await session.connection.sendRequest(ReleaseReadinessRequest.type, { keysFile: keysUri, fingerprint: GEORGE });
      assert.ok(george.ok);
      assert.equal(george.lines!.at(-1)!.code, 'release-published');
      const butcher = await session.connection.sendRequest(ReleaseReadinessRequest.type, { keysFile: keysUri, fingerprint: BUTCHER });
      assert.ok(butcher.ok);
      assert.deepEqual(butcher.lines!.filter((l) => !l.ok).map((l) => l.code), ['release-not-published']);
    } finally {
      await session.stop();
    }
  });
});
