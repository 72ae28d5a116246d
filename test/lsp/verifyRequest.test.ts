// The verify request while other work runs: a verify the client cancels answers the JSON-RPC
// RequestCancelled error (nothing to show), never an error code of ours; a verify a file change
// supersedes meanwhile still answers the chart's status. The server's checks wait for the first
// settings, so holding the client's answer to workspace/configuration holds them where the test wants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource, LSPErrorCodes, ResponseError } from 'vscode-languageserver-protocol/node';
import { VerifyRequest } from '../../server/src/lsp/protocol';
import { tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

/** A chart alone (not packaged) in a fresh folder, outside any workspace. */
function loneChart(): string {
  const chartYaml = path.join(tempDir('lsp-verify-'), 'lone', 'Chart.yaml');
  fs.mkdirSync(path.dirname(chartYaml), { recursive: true });
  fs.writeFileSync(chartYaml, 'apiVersion: v2\nname: lone\nversion: 0.1.0\n');
  return chartYaml;
}

async function heldSession(): Promise<{ session: LspSession; answerConfiguration: () => void }> {
  let answerConfiguration!: () => void;
  const configurationAnswered = new Promise<void>((resolve) => { answerConfiguration = resolve; });
  const session = await LspSession.start({ configurationAnswered, initializationOptions: { indexWorkspace: false } });
  return { session, answerConfiguration };
}

test('a verify the client cancels answers RequestCancelled, not an error code', async () => {
  const chartYaml = loneChart();
  const { session, answerConfiguration } = await heldSession();
  try {
    const cancel = new CancellationTokenSource();
    const answer = session.connection.sendRequest(VerifyRequest.type, { uri: uriOf(chartYaml) }, cancel.token);
    // The request is running (waiting for the settings) when its cancellation arrives.
    await session.waitFor('the server to ask for its settings', () => (session.configurationRequests > 0 ? true : undefined));
    cancel.cancel();
    answerConfiguration();
    const error = await answer.then((value) => assert.fail(`answered ${JSON.stringify(value)}`), (e: unknown) => e);
    assert.ok(error instanceof ResponseError, String(error));
    assert.equal(error.code, LSPErrorCodes.RequestCancelled);
  } finally {
    await session.stop();
  }
});

test('a verify that a file change supersedes meanwhile answers the chart status', async () => {
  const chartYaml = loneChart();
  const { session, answerConfiguration } = await heldSession();
  try {
    const answer = session.connection.sendRequest(VerifyRequest.type, { uri: uriOf(chartYaml) });
    await session.waitFor('the server to ask for its settings', () => (session.configurationRequests > 0 ? true : undefined));
    // Queued behind the verify: once the settings arrive, its check of the same chart supersedes the verify's.
    await session.fileChanged(chartYaml);
    answerConfiguration();
    const result = await answer;
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.status.uri, uriOf(chartYaml));
    assert.equal(result.status.state, 'not-packaged');
  } finally {
    await session.stop();
  }
});
