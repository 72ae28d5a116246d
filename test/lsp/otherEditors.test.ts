// What an editor other than VS Code gets: the lens commands run by the server through
// workspace/executeCommand (docs/editors.md), with the result shown as a message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecuteCommandRequest } from 'vscode-languageserver-protocol/node';
import { COMMANDS } from '../../server/src/lsp/protocol';
import { signedCases, signedKeyrings, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

let workspace: string;
let session: LspSession;

before(async () => {
  workspace = tempDir('lsp-editors-');
  for (const f of ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']) fs.copyFileSync(path.join(signedCases, 'tgz-byte-flipped', f), path.join(workspace, f));
  fs.mkdirSync(path.join(workspace, 'devapp'));
  fs.writeFileSync(path.join(workspace, 'devapp', 'Chart.yaml'), 'apiVersion: v2\nname: devapp\nversion: 1.2.3\n');
  session = await LspSession.start({ workspace, settings: { keyrings: [path.join(signedKeyrings, 'pubring.gpg')] }, initializationOptions: { clientHandlesCommands: false } });
});

after(async () => {
  await session.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
});

test('without clientHandlesCommands the server offers the lens commands and runs verify itself', async () => {
  assert.deepEqual(session.initializeResult?.capabilities.executeCommandProvider?.commands?.sort(), Object.values(COMMANDS).sort());
  const chartYaml = uriOf(path.join(workspace, 'devapp', 'Chart.yaml'));
  await session.waitForStatus('chart status', (s) => s.uri === chartYaml);
  const [lens] = await session.codeLens(chartYaml);
  assert.equal(lens.command!.title, '✗ Hash mismatch — archive changed after signing');
  await session.connection.sendRequest(ExecuteCommandRequest.type, { command: lens.command!.command, arguments: lens.command!.arguments });
  const message = await session.waitFor('a message', () => session.messages.find((m) => m.includes('Hash mismatch')));
  assert.match(message, /The archive changed after signing/);
});
