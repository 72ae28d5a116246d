// Documents whose file URI names no local file (a broken percent-escape such as %ZZ): the server used to
// drop them without a word. Now each is logged, the user is warned once, and the text is still checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DidOpenTextDocumentNotification, MessageType } from 'vscode-languageserver-protocol/node';
import { signedCases, signedKeyrings } from '../support/tools';
import { LspSession } from './lspSession';

const prov = fs.readFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov'), 'utf8');
let session: LspSession;
before(async () => { session = await LspSession.start({ settings: { keyrings: [path.join(signedKeyrings, 'pubring.gpg')] } }); });
after(async () => { await session.stop(); });

async function openRaw(uri: string, text: string): Promise<void> {
  await session.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'helm-provenance', version: 1, text } });
}

const warnings = (): string[] => session.messages.filter((m) => m.startsWith(`${MessageType.Warning} `) && /names no local file/.test(m));

test('a .prov with a broken percent-escape in its URI is checked, logged, and the user is told once', async () => {
  const first = 'file:///tmp/broken%ZZ/devapp-1.2.3.tgz.prov';
  await openRaw(first, prov.replace('Hash: SHA512', 'Hash: SHA512\nComment: edited'));
  // Checked as text: the structural problem is reported on it.
  const diagnostics = await session.waitForDiagnostics(first);
  assert.ok(diagnostics.some((d) => d.code === 'malformed'), JSON.stringify(diagnostics));
  await session.waitFor('the URI in the log', () => session.logs.find((l) => l.includes('broken%ZZ')));
  await session.waitFor('a warning for the user', () => warnings()[0]);

  const second = 'file:///tmp/other%G1.prov';
  await openRaw(second, prov);
  await session.waitForDiagnostics(second);
  await session.waitFor('the second URI in the log', () => session.logs.find((l) => l.includes('other%G1')));
  assert.equal(warnings().length, 1, 'the warning is shown once per session');
});
