// The server verifies with one view of the user's keyrings: a revoked copy of the signer's key in any
// configured keyring revokes it, whichever keyring holds the older copy and whichever comes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';
import { LspSession } from './lspSession';

const validProv = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov');

test('a revoked copy of the signer\'s key in a second keyring makes the chart key-revoked, in either order', async () => {
  const dir = tempDir('lsp-keyview-');
  try {
    const secret = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'rsa2048.sec.gpg')) });
    const { publicKey } = await openpgp.revokeKey({ key: secret, format: 'armored' });
    const revoked = path.join(dir, 'revoked.asc');
    fs.writeFileSync(revoked, publicKey);
    const plain = path.join(signedKeyrings, 'pubring.gpg');
    for (const keyrings of [[plain, revoked], [revoked, plain]]) {
      const session = await LspSession.start({ settings: { keyrings } });
      try {
        const uri = await session.open(validProv, 'helm-provenance');
        const status = await session.waitForStatus('document status', (s) => s.uri === uri && s.state !== 'removed');
        assert.equal(status.code, 'key-revoked', keyrings.map((k) => path.basename(k)).join(' then '));
        await session.close(uri);
      } finally {
        await session.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
