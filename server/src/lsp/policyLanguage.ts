// The language server's side of container policies and registries.d files: follows their open
// documents, publishes the policy engine's findings as diagnostics (codes and ranges from the same lint
// as `helm-prov policy lint`), and answers hover, outline, completion and code actions for them.
// In Restricted Mode the structure is checked but no key file a document names is read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, Hover, Position, WorkspaceEdit } from 'vscode-languageserver/node';
import { CodeActionKind } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { loadKeyringFile } from '../provenance/keyring';
import { lintPolicy } from '../policy/policyLint';
import { keyLines, pemSummary, resolveKeyPath } from '../policy/policyKeys';
import type { Policy, PolicyProblem } from '../policy/policyModel';
import { addRegistriesFile, emptyRegistries, loadRegistriesDir, type RegistriesConfig } from '../policy/registriesD';
import { toDiagnostic } from './diagnostics';
import { policyCodeActions, policyCompletion, policyHover, policySymbols, registriesCompletion, registriesSymbols } from './policyFeatures';
import { policyDocumentKind, registriesDirBeside, type PolicyDocumentKind } from './policyFiles';
import { pathToUri, uriToPath } from './uris';
import { KeyedDebounce } from './debounce';

const CHANGE_DEBOUNCE_MS = 120;

export interface PolicyHost {
  publish(uri: string, diagnostics: Diagnostic[], version: number): void;
  isTrusted(): boolean;
  docsBaseUrl(): string;
  log(message: string): void;
}

interface Checked {
  problems: PolicyProblem[];
  policy?: Policy;
  registries?: RegistriesConfig;
  diagnostics: Diagnostic[];
  /** Fixes that edit another file (registries.d), per finding. */
  edits: Map<PolicyProblem, WorkspaceEdit>;
}
interface Open { doc: TextDocument; kind: PolicyDocumentKind; checked?: Checked }

/**
 * The certain fix for a sigstoreSigned scope without attachments: `use-sigstore-attachments: true`
 * under the scope's own registries.d entry, or a new file holding just that entry.
 */
function attachmentsFix(p: PolicyProblem, policy: Policy, registries: RegistriesConfig, dir: string): WorkspaceEdit | undefined {
  const scope = policy.scopes.find((s) => s.keyRange.start.line === p.range?.start.line && s.keyRange.start.character === p.range?.start.character);
  if (!scope) return undefined;
  const entry = registries.docker.get(scope.scope);
  if (entry) {
    const lines = fs.readFileSync(entry.file, 'utf8').split('\n');
    const keyLine = lines[entry.range.start.line] ?? '';
    if (keyLine.slice(entry.range.end.character).replace(/^\s*:/, '').trim() !== '') return undefined; // an inline value: no certain place
    const next = lines.slice(entry.range.start.line + 1).find((l) => l.trim() !== '');
    const childIndent = next && /^\s*/.exec(next)![0].length > entry.range.start.character ? /^\s*/.exec(next)![0].length : entry.range.start.character + 2;
    const at = { line: entry.range.start.line, character: keyLine.length };
    return { changes: { [pathToUri(entry.file)]: [{ range: { start: at, end: at }, newText: `\n${' '.repeat(childIndent)}use-sigstore-attachments: true` }] } };
  }
  let n = 0;
  let target: string;
  do target = path.join(dir, `sigstore-attachments${n ? `-${n}` : ''}.yaml`); while (fs.existsSync(target) && ++n < 100);
  const uri = pathToUri(target);
  return { documentChanges: [
    { kind: 'create', uri, options: { ignoreIfExists: false, overwrite: false } },
    { textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `docker:\n  ${JSON.stringify(scope.scope)}:\n    use-sigstore-attachments: true\n` }] },
  ] };
}

export class PolicyLanguage {
  private readonly open = new Map<string, Open>();
  private readonly pending = new KeyedDebounce();

  constructor(private readonly host: PolicyHost) {}

  /** Whether `uri` is an open policy or registries.d document (its requests are answered here). */
  handles(uri: string): boolean {
    return this.open.has(uri);
  }

  opened(doc: TextDocument): void {
    const kind = policyDocumentKind(uriToPath(doc.uri), doc.languageId);
    if (!kind) return;
    this.open.set(doc.uri, { doc, kind });
    this.schedule(doc.uri, 0);
  }

  changed(doc: TextDocument): void {
    const entry = this.open.get(doc.uri);
    if (!entry) return;
    entry.doc = doc;
    this.schedule(doc.uri, CHANGE_DEBOUNCE_MS);
  }

  closed(doc: TextDocument): void {
    if (!this.open.delete(doc.uri)) return;
    this.pending.cancel(doc.uri);
    this.host.publish(doc.uri, [], doc.version);
  }

  private schedule(uri: string, delay: number): void {
    this.pending.schedule(uri, delay, () => void this.check(uri).catch((e) => this.host.log(`check of ${uri} failed: ${String(e)}`)));
  }

  /** The document checked now (and remembered for hover and code actions). */
  private async check(uri: string): Promise<Checked | undefined> {
    const entry = this.open.get(uri);
    if (!entry) return undefined;
    const { doc } = entry;
    const file = uriToPath(uri);
    const checked = entry.kind === 'policy' ? await this.checkPolicy(doc.getText(), file) : this.checkRegistries(doc.getText(), file);
    if (this.open.get(uri)?.doc.version !== doc.version) return undefined;
    entry.checked = checked;
    this.host.publish(uri, checked.diagnostics, doc.version);
    return checked;
  }

  private async checkPolicy(text: string, file: string | undefined): Promise<Checked> {
    const trusted = this.host.isTrusted();
    const dir = file && trusted ? registriesDirBeside(file) : undefined;
    const loaded = dir && fs.existsSync(dir) ? loadRegistriesDir(dir) : undefined;
    const registries = typeof loaded === 'object' ? loaded : undefined;
    const { policy, problems } = await lintPolicy(text, { file, registries, checkKeyFiles: trusted });
    const edits = new Map<PolicyProblem, WorkspaceEdit>();
    for (const p of problems) {
      const edit = registries && dir && p.code === 'policy-no-attachments' ? attachmentsFix(p, policy, registries, dir) : undefined;
      if (edit) edits.set(p, edit);
    }
    return { problems, policy, registries, edits, diagnostics: problems.map((p) => toDiagnostic(p, this.host.docsBaseUrl())) };
  }

  /** registries.d findings for this buffer, merged after the folder's other files (so a duplicate is reported here). */
  private checkRegistries(text: string, file: string | undefined): Checked {
    const config = emptyRegistries();
    const self = file ?? '(unsaved)';
    if (file) {
      const siblings = loadRegistriesDir(path.dirname(file));
      if (typeof siblings === 'object') {
        for (const [other, ns] of siblings.docker) if (ns.file !== file) config.docker.set(other, ns);
        if (siblings.defaultDocker && siblings.defaultDocker.file !== file) config.defaultDocker = siblings.defaultDocker;
      }
    }
    addRegistriesFile(config, self, text);
    const problems = config.problems.get(self) ?? [];
    return { problems, registries: config, edits: new Map(), diagnostics: problems.map((p) => toDiagnostic(p, this.host.docsBaseUrl())) };
  }

  private async checked(uri: string): Promise<{ entry: Open; checked: Checked } | undefined> {
    const entry = this.open.get(uri);
    if (!entry) return undefined;
    const checked = entry.checked ?? await this.check(uri);
    return checked ? { entry, checked } : undefined;
  }

  async hover(uri: string, pos: Position): Promise<Hover | undefined> {
    const found = await this.checked(uri);
    if (!found?.checked.policy) return undefined;
    const file = uriToPath(uri);
    const base = file ? path.dirname(file) : process.cwd();
    return policyHover(found.checked.policy, pos, async (p, kind) => {
      if (!this.host.isTrusted()) return 'Keys are not read in Restricted Mode: trust the workspace to see them.';
      if (kind === 'pem') return [pemSummary(p, base)];
      const ring = await loadKeyringFile(resolveKeyPath(p, base));
      return ring.ok ? keyLines(ring.value.keys, new Date()) : ring.error.message;
    });
  }

  async symbols(uri: string): Promise<DocumentSymbol[]> {
    const found = await this.checked(uri);
    if (!found) return [];
    if (found.checked.policy) return policySymbols(found.checked.policy);
    return found.checked.registries ? registriesSymbols(found.checked.registries, uriToPath(uri) ?? '(unsaved)') : [];
  }

  completion(uri: string, pos: Position): CompletionItem[] {
    const entry = this.open.get(uri);
    if (!entry) return [];
    const offset = entry.doc.offsetAt(pos);
    return entry.kind === 'policy' ? policyCompletion(entry.doc.getText(), offset) : registriesCompletion(entry.doc.getText(), offset);
  }

  async codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const found = await this.checked(uri);
    if (!found) return [];
    const actions = policyCodeActions(uri, diagnostics, found.checked.problems);
    for (const [p, edit] of found.checked.edits) {
      const diagnostic = diagnostics.find((d) => d.code === p.code && d.range.start.line === p.range?.start.line);
      if (diagnostic) actions.push({ title: 'Add use-sigstore-attachments: true in registries.d', kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, edit });
    }
    return actions;
  }

  /** Everything open checked again (the workspace became trusted: key files may now be read). */
  recheckAll(): void {
    for (const uri of this.open.keys()) this.schedule(uri, 0);
  }

  dispose(): void {
    this.pending.dispose();
  }
}
