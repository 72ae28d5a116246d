// Hover, outline, completion and code actions for container policies and registries.d files, from the
// policy engine's parse (server/src/policy/). Pure: no connection; key files are read by the caller.
import { CodeActionKind, CompletionItemKind, MarkupKind, SymbolKind, type CodeAction, type CompletionItem, type Diagnostic, type DocumentSymbol, type Hover, type Position, type Range } from 'vscode-languageserver/node';
import { markdownText } from '../provenance/untrustedText';
import { requirementInWords } from '../policy/explain';
import type { Policy, PolicyProblem, Requirement } from '../policy/policyModel';
import { NAMESPACE_FIELDS, type RegistriesConfig } from '../policy/registriesD';
import { FIELDS, IDENTITY_TYPES, KEY_TYPES, REQUIREMENT_TYPES } from '../policy/requirements';
import { KNOWN_TRANSPORTS } from '../policy/scopes';
import { contains } from './hover';

function markdown(lines: string[], range?: Range): Hover {
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') }, ...(range ? { range } : {}) };
}

function symbol(name: string, kind: SymbolKind, range: Range, detail?: string, children?: DocumentSymbol[], selectionRange: Range = range): DocumentSymbol {
  return { name: name || '(empty)', kind, range, selectionRange, ...(detail ? { detail } : {}), ...(children?.length ? { children } : {}) };
}

function requirementSymbols(reqs: Requirement[]): DocumentSymbol[] {
  return reqs.map((r) => symbol(r.type, SymbolKind.Object, r.range, r.type === 'signedBy' && r.keys?.kind === 'paths' ? markdownText(r.keys.paths.map((p) => p.value).join(', '), 120) : undefined));
}

/** The outline: `default`, then per transport its scopes, each with its requirements. */
export function policySymbols(policy: Policy): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  if (policy.defaultRange) out.push(symbol('default', SymbolKind.Namespace, policy.defaultRange, 'every image no scope matches', requirementSymbols(policy.default ?? [])));
  for (const t of policy.transports) {
    const scopes = policy.scopes.filter((s) => s.transport === t.name)
      .map((s) => symbol(s.scope === '' ? '"" (the transport\'s default)' : s.scope, SymbolKind.Key, s.keyRange, `${s.requirements.length} requirement(s)`, requirementSymbols(s.requirements)));
    out.push(symbol(t.name, SymbolKind.Module, t.keyRange, undefined, scopes));
  }
  return out;
}

/** Lines about the keys of a keyPath (an OpenPGP keyring, or a PEM file), provided by the caller (it reads the file). */
export type KeysOf = (path: string, kind: 'openpgp' | 'pem') => Promise<string[] | string>;

/** On a key path: the keys in it; on a requirement: what it demands; on a scope: which images it covers. */
export async function policyHover(policy: Policy, pos: Position, keysOf: KeysOf): Promise<Hover | undefined> {
  const requirements = [...(policy.default ?? []), ...policy.scopes.flatMap((s) => s.requirements)];
  for (const req of requirements) {
    if (!contains(req.range, pos)) continue;
    if ((req.type === 'signedBy' || req.type === 'sigstoreSigned') && req.keys?.kind === 'paths') {
      const p = req.keys.paths.find((k) => contains(k.range, pos));
      if (p) {
        const keys = await keysOf(p.value, req.type === 'signedBy' ? 'openpgp' : 'pem');
        const lines = typeof keys === 'string' ? [markdownText(keys, 2000)] : keys.length ? keys.map((k) => `- ${markdownText(k, 300)}`) : ['(no keys)'];
        return markdown([`**Keys in ${markdownText(p.value, 300)}**`, lines.join('\n')], p.range);
      }
    }
    return markdown([`**${req.type}**`, markdownText(requirementInWords(req), 3000)], req.range);
  }
  const scope = policy.scopes.find((s) => contains(s.keyRange, pos));
  if (scope) {
    const covers = scope.scope === '' ? `every ${scope.transport} image no more specific scope matches` : `${scope.transport} images whose identity is ${markdownText(scope.scope, 300)} or lies under it (the most specific scope wins)`;
    return markdown([`**Scope** — ${covers}`, 'All of its requirements must hold.'], scope.keyRange);
  }
  return undefined;
}

/** Code actions for findings whose fix is certain (the engine attached it). */
export function policyCodeActions(uri: string, diagnostics: Diagnostic[], problems: PolicyProblem[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const p of problems) {
    if (!p.fix) continue;
    const diagnostic = diagnostics.find((d) => d.code === p.code && d.range.start.line === p.range?.start.line && d.range.start.character === p.range?.start.character);
    if (!diagnostic) continue;
    actions.push({ title: p.fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, edit: { changes: { [uri]: [{ range: p.fix.range, newText: p.fix.newText }] } } });
  }
  return actions;
}

/** The registries.d outline: default-docker and each docker scope. */
export function registriesSymbols(config: RegistriesConfig, file: string): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  if (config.defaultDocker?.file === file) out.push(symbol('default-docker', SymbolKind.Namespace, config.defaultDocker.range, config.defaultDocker.lookaside ? markdownText(config.defaultDocker.lookaside, 200) : undefined));
  for (const [scope, ns] of config.docker) {
    if (ns.file === file) out.push(symbol(scope, SymbolKind.Key, ns.range, [ns.lookaside && markdownText(ns.lookaside, 200), ns.useSigstoreAttachments !== undefined && `use-sigstore-attachments: ${ns.useSigstoreAttachments}`].filter(Boolean).join(', ') || undefined));
  }
  return out;
}

// ---- completion: the object around the cursor, found in the text (it is often not valid JSON while typed)

interface Context { enclosingStart: number; parentKey?: string; type?: string }

/** The innermost `{` around `offset` (strings skipped), with the key it is the value of and its "type". */
function objectContext(text: string, offset: number): Context | undefined {
  const opens: { at: number }[] = [];
  let inString = false;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (inString) { if (c === '\\') i++; else if (c === '"') inString = false; continue; }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') opens.push({ at: i });
    else if ((c === '}' || c === ']') && opens.length) opens.pop();
  }
  const open = opens.at(-1);
  if (!open || text[open.at] !== '{') return undefined;
  const parentKey = /"([^"\\]*)"\s*:\s*$/.exec(text.slice(Math.max(0, open.at - 200), open.at))?.[1];
  const body = text.slice(open.at, open.at + 4000);
  const type = /"type"\s*:\s*"([A-Za-z]+)"/.exec(body)?.[1];
  return { enclosingStart: open.at, parentKey, type };
}

function items(labels: readonly string[], kind: CompletionItemKind, quoted: boolean, detail?: string): CompletionItem[] {
  return labels.map((label) => ({ label, kind, ...(detail ? { detail } : {}), insertText: quoted ? label : `"${label}"` }));
}

/** Field names and enum values for the place at `offset` in a policy text. */
export function policyCompletion(text: string, offset: number): CompletionItem[] {
  const before = text.slice(Math.max(0, offset - 300), offset);
  const ctx = objectContext(text, offset);
  const valueOf = /"([A-Za-z]+)"\s*:\s*("?)[A-Za-z]*$/.exec(before);
  if (valueOf) {
    const quoted = valueOf[2] === '"';
    if (valueOf[1] === 'type') {
      const identity = ctx?.parentKey === 'signedIdentity' || ctx?.parentKey === 'baseLayerIdentity';
      return items(identity ? IDENTITY_TYPES : REQUIREMENT_TYPES, CompletionItemKind.EnumMember, quoted, identity ? 'signedIdentity rule' : 'policy requirement');
    }
    if (valueOf[1] === 'keyType') return items(KEY_TYPES, CompletionItemKind.EnumMember, quoted, 'only GPGKeys is implemented');
    return [];
  }
  const keyPlace = /(?:[{,]\s*)("?)[A-Za-z-]*$/.exec(before);
  if (!keyPlace || !ctx) return [];
  const quoted = keyPlace[1] === '"';
  if (ctx.enclosingStart === text.search(/\S/)) return items(['default', 'transports'], CompletionItemKind.Property, quoted);
  if (ctx.parentKey === 'transports') return items(KNOWN_TRANSPORTS, CompletionItemKind.Module, quoted, 'transport');
  if (ctx.parentKey === 'fulcio') return items(FIELDS.fulcio, CompletionItemKind.Property, quoted);
  if (ctx.parentKey === 'pki') return items(FIELDS.pki, CompletionItemKind.Property, quoted);
  const fields = ctx.type && ctx.type in FIELDS ? FIELDS[ctx.type as keyof typeof FIELDS] : ['type'];
  return items(fields, CompletionItemKind.Property, quoted);
}

/** registries.d keys: the top level, or a namespace's fields (under default-docker or a docker scope). */
export function registriesCompletion(text: string, offset: number): CompletionItem[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, offset);
  if (!/^\s*[A-Za-z-]*$/.test(line)) return [];
  const indent = /^\s*/.exec(line)![0].length;
  if (indent === 0) return items(['default-docker', 'docker'], CompletionItemKind.Property, true);
  // The nearest line above with less indentation is the parent key.
  const above = text.slice(0, lineStart).split('\n').reverse().find((l) => l.trim() !== '' && /^\s*/.exec(l)![0].length < indent);
  if (above === undefined || /^docker:\s*$/.test(above)) return [];
  return items(NAMESPACE_FIELDS, CompletionItemKind.Property, true);
}
