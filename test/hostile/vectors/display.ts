// Text from keys and files shown to people: a signer whose user id carries a newline, ANSI escapes,
// bidi controls, a line separator and a Markdown `command:` link, and an archive whose file name carries
// escapes. The CLI (human and --json output) and the functions the language server renders with (hover,
// CodeLens, status) must show it escaped; the fingerprint shown is always the key's own, as the real
// gpg computes it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { main, type Io } from '../../../server/src/cli/helmProv';
import { lintKeysFile } from '../../../server/src/provenance/keysFile';
import { verifyArchive } from '../../../server/src/provenance/verify';
import { chartLenses } from '../../../server/src/lsp/codeLens';
import { keysHover, provHover } from '../../../server/src/lsp/hover';
import { signerSummary } from '../../../server/src/lsp/status';
import { GpgHome } from '../../support/tools';
import type { HostileCase } from '../harness';
import { armor, cleartext, signatureBytes, signPacket } from '../support/pgp';
import { ARCHIVE, helmArchive, helmSignedText, keysOf, observe, PROV, writeSignedCase } from './common';

/** Claims the trusted signer's fingerprint, recolours the terminal, reorders text, and links to a command. */
const HOSTILE_NAME = 'Eve\nUsing Key With Fingerprint: 95E98777AE4EA9D88D9EA5553B255F9CBB150E24\n'
  + '\u001b[32mChart Hash Verified\u001b[0m \u202eexe.tsop\u202c [Open](command:workbench.action.terminal.new) $(check) \u2028\u2066x\u2069'
  + ' in\u2060vi\u00adsi\u180eble\u{e0041}';

/** Characters that must never reach a terminal or a rendered label raw: controls, format and default-ignorable characters, separators, lone surrogates. */
const RAW_CONTROL = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\p{Cs}]/u;

function captureIo(): { io: Io; text: () => string } {
  const lines: string[] = [];
  return { io: { out: (s) => lines.push(s), err: (s) => lines.push(s), stdin: () => '' }, text: () => lines.join('\n') };
}

async function cli(args: string[]): Promise<string> {
  const { io, text } = captureIo();
  await main(args, io);
  return text();
}

/** The fingerprint of the only key in a keyring, as gpg computes it (independent of this project). */
function gpgFingerprint(keyring: string): string {
  const gpg = new GpgHome();
  try {
    const r = gpg.run(['--with-colons', '--import-options', 'show-only', '--import', keyring]);
    const fpr = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(r.stdout);
    assert.ok(fpr, `gpg shows no fingerprint: ${r.stderr}`);
    return fpr[1];
  } finally {
    gpg.dispose();
  }
}

function linesStartingWith(output: string, prefix: string): string[] {
  return output.split('\n').filter((l) => l.trimStart().startsWith(prefix));
}

export const displayCases: HostileCase[] = [
  {
    name: 'display-hostile-user-id',
    async setup(dir) {
      const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: HOSTILE_NAME, email: 'eve@example.org' }], format: 'object' });
      fs.writeFileSync(path.join(dir, 'keyring.gpg'), privateKey.toPublic().write());
      fs.writeFileSync(path.join(dir, 'KEYS'), `pub   ed25519 2024-01-01 [SC]\n      95E98777AE4EA9D88D9EA5553B255F9CBB150E24\nuid ${HOSTILE_NAME.split('\n')[0]}\n\n${privateKey.toPublic().armor()}`);
      fs.writeFileSync(path.join(dir, 'gpg.fpr'), gpgFingerprint(path.join(dir, 'keyring.gpg')));
      const text = helmSignedText();
      const sig = await signPacket(text, privateKey.keyPacket as openpgp.SecretKeyPacket, privateKey.keyPacket as openpgp.SecretKeyPacket);
      writeSignedCase(dir, cleartext(text, armor('SIGNATURE', signatureBytes(sig), 'none')));
    },
    async run(dir) {
      const archive = path.join(dir, ARCHIVE);
      const keyring = path.join(dir, 'keyring.gpg');
      const outcome = await verifyArchive(archive, { keys: await keysOf(keyring) });
      const now = new Date();
      const check = {
        provPath: path.join(dir, PROV), archivePath: archive, doc: outcome.document!, outcome, archiveExists: true,
        archiveSha256: outcome.digest?.actual, issuers: [], listedInWorkspaceKeys: [],
      };
      const lint = await lintKeysFile(fs.readFileSync(path.join(dir, 'KEYS'), 'utf8'), now, 'KEYS');
      const chart = { chartYaml: path.join(dir, 'devapp', 'Chart.yaml'), folder: path.join(dir, 'devapp'), name: 'devapp', version: '1.2.3' };
      return {
        ...observe(outcome),
        details: {
          cliVerify: await cli(['verify', archive, '--keyring', keyring]),
          cliJson: await cli(['verify', archive, '--keyring', keyring, '--json']),
          cliKeys: await cli(['keys', keyring, path.join(dir, 'KEYS')]),
          cliLint: await cli(['lint', path.join(dir, 'KEYS')]),
          provHover: provHover(check, outcome.document!.signature!.range.start)?.contents,
          keysHover: keysHover(lint, lint.keys[0].source.range!.start, now)?.contents,
          lenses: chartLenses({ kind: 'checked', chart, archive, prov: check.provPath, check }).map((l) => l.command?.title),
          lensTooltips: chartLenses({ kind: 'checked', chart, archive, prov: check.provPath, check }).map((l) => l.command?.tooltip),
          statusUid: signerSummary(outcome.signer!, []).uid,
        },
      };
    },
    check(o, dir) {
      const fingerprint = fs.readFileSync(path.join(dir, 'gpg.fpr'), 'utf8').trim();
      assert.equal(o.signer?.fingerprint, fingerprint, 'the fingerprint is the key\'s own, as gpg computes it');
      const d = o.details as Record<string, unknown>;
      for (const [where, value] of Object.entries(d)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        assert.ok(!RAW_CONTROL.test(text.replace(/\n/g, ' ')), `${where}: a control, bidi or separator character is shown raw: ${JSON.stringify(text)}`);
      }
      const human = d.cliVerify as string;
      assert.deepEqual(linesStartingWith(human, 'Using Key With Fingerprint:'), [`Using Key With Fingerprint: ${fingerprint}`], 'no forged fingerprint line');
      assert.equal(linesStartingWith(human, 'Chart Hash Verified').length, 1, 'no forged hash line');
      const json = JSON.parse(d.cliJson as string) as { signer: { fingerprint: string; uid: string } };
      assert.equal(json.signer.fingerprint, fingerprint);
      assert.ok(json.signer.uid.startsWith('Eve\nUsing Key'), 'JSON keeps the exact user id (escaped only as JSON)');
      const hover = (d.provHover as { value: string }).value + (d.keysHover as { value: string }).value;
      assert.ok(!/(?<!\\)\]\(command:/.test(hover), 'no live command link in a hover');
      assert.ok(hover.includes(fingerprint.replace(/(.{4})(?=.)/g, '$1 ')), 'the hover shows the key\'s own fingerprint');
      for (const title of d.lenses as string[]) assert.ok(!/(?<!\\)\$\(/.test(title), `no live icon in a lens title: ${title}`);
    },
  },
  {
    name: 'display-hostile-file-name_fail',
    async setup(dir) {
      // Sets the terminal title, rings the bell, breaks the line and reverses what follows.
      fs.writeFileSync(path.join(dir, 'devapp\u001b]0;owned\u0007\n\u202e\u2060\u{e0041}.tgz'), helmArchive());
    },
    async run(dir) {
      const archive = fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => f.endsWith('.tgz'))!;
      const outcome = await verifyArchive(archive, { keys: [] });
      return { ...observe(outcome), details: { cliVerify: await cli(['verify', dir]), cliJson: await cli(['verify', dir, '--json']) } };
    },
    check(o) {
      for (const [where, text] of Object.entries(o.details as Record<string, string>)) {
        assert.ok(!RAW_CONTROL.test(text.replace(/\n/g, ' ')), `${where}: a control or bidi character is shown raw: ${JSON.stringify(text)}`);
        assert.equal(text.split('\n').length, where === 'cliJson' ? 1 : 2, `${where}: the file name's newline does not make a line of its own`);
      }
    },
  },
];
