// Container policies under names the user adds (`helmProvenance.policyFilePatterns`): a JSON document
// whose path matches one of the patterns is switched to the `containers-policy` language, so the server
// checks it as a policy. The built-in names (policy.json under a containers folder, *.policy.json)
// come from the language contribution in package.json.
import * as vscode from 'vscode';
import { matchesAny, POLICY_LANGUAGE_ID } from '../../server/src/lsp/policyFiles';

const SETTING = 'policyFilePatterns';

function patterns(): string[] {
  const value = vscode.workspace.getConfiguration('helmProvenance').get<unknown>(SETTING);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

function adopt(doc: vscode.TextDocument): void {
  if (doc.uri.scheme !== 'file' || (doc.languageId !== 'json' && doc.languageId !== 'jsonc' && doc.languageId !== 'plaintext')) return;
  if (matchesAny(doc.uri.fsPath, patterns())) void vscode.languages.setTextDocumentLanguage(doc, POLICY_LANGUAGE_ID);
}

export function registerPolicyLanguage(): vscode.Disposable {
  vscode.workspace.textDocuments.forEach(adopt);
  return vscode.Disposable.from(
    vscode.workspace.onDidOpenTextDocument(adopt),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration(`helmProvenance.${SETTING}`)) vscode.workspace.textDocuments.forEach(adopt); }),
  );
}
