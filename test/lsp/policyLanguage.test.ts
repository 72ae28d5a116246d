// Container policies and registries.d files over a real LSP connection: the diagnostics are the CLI
// lint's findings (same codes, same ranges), hover says what a requirement demands and which keys a
// keyPath holds, the outline groups scopes per transport, completion offers fields and enum values, and
// the certain fixes are code actions whose edits make the finding go away.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionRequest, CompletionRequest, type CodeAction, type CompletionItem, type Diagnostic, type Hover, type TextEdit } from 'vscode-languageserver-protocol/node';
import { repoRoot, signedKeys, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');

function lintJson(file: string): { code: string; range: { start: { line: number; character: number } } }[] {
  const r = spawnSync(process.execPath, [cli, 'policy', 'lint', file, '--json'], { encoding: 'utf8', env: { ...process.env, HELM_PROV_NO_CODE_CACHE: '1' } });
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((p) => p.file === file);
}

const key = (d: { code?: string | number; range: { start: { line: number; character: number } } }) => `${d.code}@${d.range.start.line}:${d.range.start.character}`;

function hoverText(h: Hover | null): string {
  const c = h?.contents;
  // Markdown escapes (`\-`, `\(`) removed: the words are compared, the escaping is markdownText's own test.
  return typeof c === 'object' && c && 'value' in c ? c.value.replace(/\\(.)/g, '$1') : '';
}

/** Applies text edits (given in document order, non-overlapping) to a text. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

describe('container policies over LSP', () => {
  let session: LspSession;
  let workspace: string;
  let policyFile: string;
  let registriesD: string;
  const keyring = path.join(signedKeys, 'ed25519.pub.gpg');
  const fingerprint = fs.readFileSync(path.join(signedKeys, 'ed25519.fpr'), 'utf8').trim();
  const policyText = () => `{
  "default": [{"type": "reject"}],
  "transports": {
    "docker": {
      "docker.io/busybox": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ${JSON.stringify(keyring)}}],
      "quay.io/org/app": [{"type": "sigstoreSigned", "keyPath": "cosign.pub", "signedIdentity": {"type": "matchRepository"}}],
      "quay.io/*": [],
      "registry.example.com/team": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ${JSON.stringify(path.join(signedKeys, 'ed25519.sec.gpg'))}, "extra": 1}]
    },
    "dokcer": {}
  }
}
`;

  before(async () => {
    workspace = tempDir('lsp-policy-');
    const containers = path.join(workspace, 'etc', 'containers');
    registriesD = path.join(containers, 'registries.d');
    fs.mkdirSync(registriesD, { recursive: true });
    const { generateKeyPairSync } = await import('node:crypto');
    fs.writeFileSync(path.join(containers, 'cosign.pub'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(path.join(registriesD, 'quay.yaml'), 'docker:\n  quay.io/org/app:\n    lookaside: https://sigs.example.com\n');
    policyFile = path.join(containers, 'policy.json');
    fs.writeFileSync(policyFile, policyText());
    session = await LspSession.start({ workspace });
  });
  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('a policy.json under a containers folder gets the CLI lint\'s findings, same codes and ranges', async () => {
    const uri = await session.open(policyFile, 'json');
    const diagnostics = await session.waitForDiagnostics(uri);
    const cliFindings = spawnSync(process.execPath, [cli, 'policy', 'lint', policyFile, '--json', '--registries-d', registriesD], { encoding: 'utf8', env: { ...process.env, HELM_PROV_NO_CODE_CACHE: '1' } })
      .stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((p) => p.file === policyFile);
    assert.deepEqual(diagnostics.map(key).sort(), cliFindings.map(key).sort());
    const codes = new Set(diagnostics.map((d) => d.code));
    for (const code of ['policy-scope-not-expanded', 'policy-empty-requirements', 'policy-scope-wildcard', 'policy-unknown-field', 'policy-unknown-transport', 'policy-key-private', 'policy-no-attachments']) {
      assert.ok(codes.has(code), `${code} in ${[...codes].join(', ')}`);
    }
    assert.ok(diagnostics.every((d) => d.codeDescription?.href.includes('codes.md#')));
  });

  test('hover: the requirement in plain words, and the keys a keyPath holds', async () => {
    const uri = uriOf(policyFile);
    const lines = policyText().split('\n');
    const line = lines.findIndex((l) => l.includes('docker.io/busybox'));
    const onType = hoverText(await session.hover(uri, { line, character: lines[line].indexOf('signedBy') }));
    assert.match(onType, /simple-signing \(GPG\) signature/);
    const onPath = hoverText(await session.hover(uri, { line, character: lines[line].indexOf('ed25519.pub.gpg') }));
    assert.ok(onPath.includes(fingerprint), onPath);
    const pemLine = lines.findIndex((l) => l.includes('cosign.pub'));
    const onPem = hoverText(await session.hover(uri, { line: pemLine, character: lines[pemLine].indexOf('cosign.pub') }));
    assert.match(onPem, /public key \(ec, prime256v1\)/);
    const onScope = hoverText(await session.hover(uri, { line: lines.findIndex((l) => l.includes('quay.io/org/app')), character: 8 }));
    assert.match(onScope, /most specific scope wins/);
  });

  test('outline: default, then each transport with its scopes and their requirements', async () => {
    const symbols = await session.symbols(uriOf(policyFile));
    assert.deepEqual(symbols.map((s) => s.name), ['default', 'docker', 'dokcer']);
    const docker = symbols[1];
    assert.deepEqual(docker.children?.map((c) => c.name), ['docker.io/busybox', 'quay.io/org/app', 'registry.example.com/team']);
    assert.equal(docker.children?.[0].children?.[0].name, 'signedBy');
  });

  test('completion: requirement types, identity types, keyType values and field names', async () => {
    const file = path.join(workspace, 'draft.policy.json');
    const text = '{"default": [{"type": "", "signedIdentity": {"type": ""}, "keyType": ""}]}';
    fs.writeFileSync(file, text);
    const uri = await session.open(file, 'containers-policy');
    const complete = async (before: string, nth = 0): Promise<string[]> => {
      let at = -1;
      for (let i = 0; i <= nth; i++) at = text.indexOf(before, at + 1);
      const items = await session.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: at + before.length } }) as CompletionItem[];
      return items.map((i) => i.label);
    };
    assert.ok((await complete('"type": "')).includes('sigstoreSigned'));
    assert.ok((await complete('"type": "', 1)).includes('matchRepository'));
    assert.deepEqual(await complete('"keyType": "'), ['GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'signedByX509CAs']);
    const fieldText = '{"default": [{"type": "signedBy", }]}';
    await session.change(uri, fieldText);
    const items = await session.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: fieldText.indexOf(', }') + 2 } }) as CompletionItem[];
    assert.ok(items.map((i) => i.label).includes('keyPath'));
  });

  test('code action: expand docker.io/busybox; applied, the finding is gone', async () => {
    const uri = uriOf(policyFile);
    const diagnostics = (session.diagnostics.get(uri)?.at(-1)?.diagnostics ?? []) as Diagnostic[];
    const finding = diagnostics.find((d) => d.code === 'policy-scope-not-expanded')!;
    const actions = await session.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: finding.range, context: { diagnostics: [finding] } }) as CodeAction[];
    const expand = actions.find((a) => a.title.includes('docker.io/library/busybox'))!;
    const fixed = applyEdits(policyText(), expand.edit!.changes![uri]);
    assert.ok(fixed.includes('"docker.io/library/busybox"'));
    const scratch = path.join(path.dirname(policyFile), 'fixed.policy.json');
    fs.writeFileSync(scratch, fixed);
    assert.ok(!lintJson(scratch).some((p) => p.code === 'policy-scope-not-expanded'));
  });

  test('code action: add use-sigstore-attachments: true to the scope\'s registries.d entry', async () => {
    const uri = uriOf(policyFile);
    const diagnostics = (session.diagnostics.get(uri)?.at(-1)?.diagnostics ?? []) as Diagnostic[];
    const finding = diagnostics.find((d) => d.code === 'policy-no-attachments')!;
    const actions = await session.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: finding.range, context: { diagnostics: [finding] } }) as CodeAction[];
    const add = actions.find((a) => a.title.includes('use-sigstore-attachments'))!;
    const target = path.join(registriesD, 'quay.yaml');
    const edits = add.edit!.changes![uriOf(target)];
    fs.writeFileSync(target, applyEdits(fs.readFileSync(target, 'utf8'), edits));
    assert.equal(fs.readFileSync(target, 'utf8'), 'docker:\n  quay.io/org/app:\n    use-sigstore-attachments: true\n    lookaside: https://sigs.example.com\n');
    const after = spawnSync(process.execPath, [cli, 'policy', 'lint', policyFile, '--json', '--registries-d', registriesD], { encoding: 'utf8', env: { ...process.env, HELM_PROV_NO_CODE_CACHE: '1' } }).stdout;
    assert.ok(!after.includes('policy-no-attachments'), after);
  });

  test('registries.d: a scope also defined in a sibling file, a lookaside that is not a URL', async () => {
    const file = path.join(registriesD, 'zz-more.yaml');
    const text = 'docker:\n  quay.io/org/app:\n    lookaside: /srv/sigs\n  ghcr.io/x:\n    lookasid: https://x\n';
    fs.writeFileSync(file, text);
    const uri = await session.open(file, 'yaml');
    const diagnostics = await session.waitForDiagnostics(uri);
    assert.deepEqual(diagnostics.map(key).sort(), ['registries-duplicate-scope@1:2', 'registries-lookaside-url@2:15', 'registries-unknown-field@4:4']);
    const symbols = await session.symbols(uri);
    assert.deepEqual(symbols.map((s) => s.name), ['ghcr.io/x']);
  });

  test('a file of another kind is left alone', async () => {
    const file = path.join(workspace, 'package.json');
    fs.writeFileSync(file, '{"default": []}');
    const uri = await session.open(file, 'json');
    const items = await session.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 1 } }) as CompletionItem[];
    assert.deepEqual(items, []);
    assert.equal(session.diagnostics.get(uri), undefined);
  });
});

describe('container policies in Restricted Mode', () => {
  test('the structure is checked, but no key file the policy names is read', async () => {
    const workspace = tempDir('lsp-policy-untrusted-');
    const file = path.join(workspace, 'containers', 'policy.json');
    fs.mkdirSync(path.dirname(file));
    const text = `{"default": [], "transports": {"docker": {"quay.io/a": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ${JSON.stringify(path.join(workspace, 'missing.gpg'))}}]}}}`;
    fs.writeFileSync(file, text);
    const session = await LspSession.start({ workspace, initializationOptions: { workspaceTrusted: false } });
    try {
      const uri = await session.open(file, 'json');
      const codes = (await session.waitForDiagnostics(uri)).map((d) => d.code);
      assert.deepEqual(codes, ['policy-empty-requirements']);
      const hover = hoverText(await session.hover(uri, { line: 0, character: text.indexOf('missing.gpg') }));
      assert.match(hover, /not read in Restricted Mode/);
    } finally {
      await session.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
