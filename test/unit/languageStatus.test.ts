// The language status item (issue 13.7): a short text for every state ("Verified", "Not packaged",
// "Unknown signer", "3 KEYS"), a short detail, and one action the hover shows as a link, with the whole
// message as its tooltip — never the whole message as one line that runs off the window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusParams } from '../../server/src/lsp/protocol';
import { languageStatusView, MAX_DETAIL, MAX_TEXT } from '../../client/src/languageStatus';
import { COMMAND_IDS } from '../../client/src/commandIds';

const LONG = 'No devapp-1.2.3.tgz in /home/someone/projects/a/very/long/path/to/charts, /home/someone/projects/a/very/long/path/to/charts/devapp. Package and sign the chart.';
const chart = { chartYaml: 'file:///w/devapp/Chart.yaml' };

function status(fields: Partial<StatusParams>): StatusParams {
  return { scope: 'chart', uri: chart.chartYaml, state: 'verified', severity: 'ok', summary: 'Verified', message: LONG, ...fields };
}

const signer = {
  fingerprint: '95E98777AE4EA9D88D9EA5553B255F9CBB150E24', signingKey: '95E98777AE4EA9D88D9EA5553B255F9CBB150E24',
  uid: 'dev Rsa Signer <rsa2048@dev.example>', uids: ['dev Rsa Signer <rsa2048@dev.example>'], algorithm: 'rsa', signedAt: '2026-01-01T00:00:00.000Z',
};

test('short text and detail for every state; the whole message is the action\'s tooltip', () => {
  const cases: [Partial<StatusParams>, string][] = [
    [{ state: 'verified', summary: 'Verified', signer }, '$(verified-filled) Verified'],
    [{ state: 'not-packaged', severity: 'information', summary: 'Not packaged' }, '$(package) Not packaged'],
    [{ state: 'rejected', severity: 'error', code: 'unknown-signer', summary: 'Unknown signer' }, '$(error) Unknown signer'],
    // Nothing checked yet (no trusted Sigstore signer): a warning, not an error's icon.
    [{ state: 'rejected', severity: 'warning', code: 'identity-required', summary: 'Identity required' }, '$(warning) Identity required'],
    [{ scope: 'document', uri: 'file:///w/KEYS', state: 'keys', severity: 'warning', summary: '3 keys, 1 expired' }, '$(key) 3 KEYS'],
    [{ state: 'stale', severity: 'warning', code: 'archive-differs-from-source', summary: 'Out of date' }, '$(warning) Out of date'],
  ];
  for (const [fields, text] of cases) {
    const view = languageStatusView(status(fields), true, chart);
    assert.equal(view.text, text);
    assert.ok(view.detail.length <= MAX_DETAIL, `detail of ${text}: ${view.detail}`);
    assert.ok(view.text.length <= MAX_TEXT + 20, view.text);
    assert.equal(view.command.tooltip, LONG, 'the whole message is one hover away');
  }
  assert.equal(languageStatusView(status({ signer }), true, chart).detail, 'dev Rsa Signer <rsa2048@dev.example> · 95E9…0E24');
  assert.equal(languageStatusView(status({ state: 'keys', summary: '3 keys, 1 expired' }), true, chart).detail, '1 expired');
  assert.equal(languageStatusView(status({ state: 'not-packaged', summary: 'Not packaged' }), true, chart).detail, 'No devapp-1.2.3.tgz in /home/someone/projects/a/very/long/p…');
});

test('the action is the next step that can work: a fix, Package and Sign, Sign Chart, else Verify again', () => {
  const fix = { title: 'Re-package and sign', command: COMMAND_IDS.packageAndSignChart, arguments: [chart], code: 'hash-mismatch' };
  const rejected = status({ state: 'rejected', code: 'hash-mismatch', summary: 'Hash mismatch', fixes: [fix] });
  assert.deepEqual(languageStatusView(rejected, true, chart).command, { title: 'Re-package and sign', command: COMMAND_IDS.packageAndSignChart, arguments: [chart], tooltip: LONG });
  assert.equal(languageStatusView(status({ state: 'not-packaged', summary: 'Not packaged' }), true, chart).command.title, 'Package and Sign');
  assert.equal(languageStatusView(status({ state: 'unsigned', summary: 'Unsigned' }), true, chart).command.title, 'Sign Chart');
  assert.equal(languageStatusView(status({ signer }), true, chart).command.command, COMMAND_IDS.verifyChart);
  assert.deepEqual(languageStatusView(status({ state: 'keys', summary: '2 keys' }), true, chart).command.title, 'Show Problems');
  // Restricted Mode: nothing that writes (the server sends no write fix there either).
  for (const state of ['not-packaged', 'unsigned'] as const) {
    assert.equal(languageStatusView(status({ state, summary: state }), false, chart).command.title, 'Verify again', state);
  }
});
