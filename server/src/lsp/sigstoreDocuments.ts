// The Sigstore documents the editor has open — bundles, `.sig`/`.cert` files, trusted_root.json — with
// their diagnostics (checked on open and, debounced, on edit; again when the settings change), hovers
// and outline. Thin over the engine (server/src/sigstore/): which signers and root count is
// sigstoreVerification.ts, where things are shown is sigstoreDiagnostics.ts / sigstoreHover.ts.
import * as fs from 'node:fs';
import { DiagnosticSeverity, type Diagnostic, type DocumentSymbol, type Hover, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { readArtifact } from '../sigstore/artifact';
import { parseBundle } from '../sigstore/bundle';
import { parseCertificateFile, parseSignatureFile } from '../sigstore/cosignFiles';
import { MAX_BUNDLE_BYTES, MAX_TRUSTED_ROOT_BYTES } from '../sigstore/limits';
import { parseTrustedRoot, type LoadedTrustedRoot } from '../sigstore/trustedRoot';
import { isOldCosignBundle, verifySignatureFiles } from '../sigstore/verifyFiles';
import type { ServerConfiguration } from './configuration';
import { parseJsonTree, pathAt, type JsonNode } from './jsonTree';
import { documentPath } from './openDocuments';
import type { Outbox } from './outbox';
import { outcomeDiagnostics, problemDiagnostic, rangeOf, trustedRootDiagnostics } from './sigstoreDiagnostics';
import { bundleHoverLines, certificateFileLines, markdownHover, signatureFileLines } from './sigstoreHover';
import { bundleArtifact, sigstoreDocumentKind, type SigstoreDocumentKind } from './sigstoreRoles';
import { OutcomeCache, outcomeKey } from './sigstoreOutcomeCache';
import { bundleSymbols, trustedRootSymbols } from './sigstoreSymbols';
import { HOW_TO_TRUST_IN_EDITOR, SigstoreVerification } from './sigstoreVerification';
import { uriToPath } from './uris';
import { KeyedDebounce } from './debounce';

const CHANGE_DEBOUNCE_MS = 120;

/** `seenVersion`: the document manager updates the document in place, so the version last scheduled is kept apart. */
interface OpenSigstoreDocument { doc: TextDocument; kind: SigstoreDocumentKind; seenVersion: number }

export class SigstoreDocuments {
  private readonly docs = new Map<string, OpenSigstoreDocument>();
  private readonly pending = new KeyedDebounce();
  private readonly outcomes = new OutcomeCache();
  readonly verification: SigstoreVerification;

  constructor(private readonly config: ServerConfiguration, private readonly out: Outbox) {
    this.verification = new SigstoreVerification(config, (message) => out.warnOnce(message));
  }

  owns(uri: string): boolean {
    return this.docs.has(uri);
  }

  /** Starts following `doc` when it is a Sigstore file; false when it is not one. */
  opened(doc: TextDocument): boolean {
    const kind = sigstoreDocumentKind(doc.uri);
    if (!kind) return false;
    this.docs.set(doc.uri, { doc, kind, seenVersion: doc.version });
    this.schedule(doc.uri, 0);
    return true;
  }

  changed(doc: TextDocument): boolean {
    const open = this.docs.get(doc.uri);
    if (!open) return false;
    // The manager reports a change right after each open: same version, nothing to check.
    if (open.seenVersion !== doc.version) {
      open.seenVersion = doc.version;
      open.doc = doc;
      this.schedule(doc.uri, CHANGE_DEBOUNCE_MS);
    }
    return true;
  }

  closed(doc: TextDocument): boolean {
    if (!this.docs.delete(doc.uri)) return false;
    this.pending.cancel(doc.uri);
    this.out.publishDiagnostics(doc.uri, []);
    return true;
  }

  /** A file changed on disk: the open bundles it is the artifact of are checked again. */
  artifactChanged(file: string): void {
    for (const [uri, open] of this.docs) if (open.kind === 'bundle' && bundleArtifact(documentPath(uri)) === file) this.schedule(uri, 0);
  }

  /** Settings changed (signers, root): every open Sigstore document is checked again. */
  recheckAll(): void {
    for (const uri of this.docs.keys()) this.schedule(uri, 0);
  }

  private schedule(uri: string, delay: number): void {
    this.pending.schedule(uri, delay, () => void this.publish(uri).catch((e) => this.out.log(`check of ${uri} failed: ${String(e)}`)));
  }

  private async publish(uri: string): Promise<void> {
    const open = this.docs.get(uri);
    if (!open) return;
    const { version } = open.doc;
    await this.config.whenLoaded();
    const diagnostics = await this.diagnose(open);
    if (this.docs.get(uri)?.doc.version !== version) return;
    this.out.publishDiagnostics(uri, diagnostics, version);
  }

  /** The diagnostics of one document: syntax, schema, then verification against the artifact beside it. */
  async diagnose({ doc, kind }: { doc: TextDocument; kind: SigstoreDocumentKind }): Promise<Diagnostic[]> {
    const docs = this.config.docsBaseUrl;
    const file = documentPath(doc.uri);
    const text = doc.getText();
    const bytes = Buffer.from(text, 'utf8');
    if (kind === 'signature' || kind === 'certificate') {
      const parsed = kind === 'signature' ? parseSignatureFile(bytes, file) : parseCertificateFile(bytes, file);
      // Information only: a `.sig` may as well be gpg's, a `.cert` some other tool's.
      return parsed.ok ? [] : [problemDiagnostic(doc, undefined, 'bundle-malformed', parsed.error.message, docs, 0, DiagnosticSeverity.Information)];
    }
    const limit = kind === 'bundle' ? MAX_BUNDLE_BYTES : MAX_TRUSTED_ROOT_BYTES;
    if (bytes.length > limit) return [problemDiagnostic(doc, undefined, kind === 'bundle' ? 'bundle-malformed' : 'trusted-root-invalid', `The file is ${bytes.length} bytes, over the ${limit}-byte limit.`, docs)];
    const tree = parseJsonTree(text);
    if (!tree.ok) return [problemDiagnostic(doc, undefined, kind === 'bundle' ? 'bundle-malformed' : 'trusted-root-invalid', `Not JSON: ${tree.message}.`, docs, tree.offset)];
    if (kind === 'trusted-root') {
      const parsed = parseTrustedRoot(bytes, file);
      return [...(parsed.ok ? [] : [problemDiagnostic(doc, tree.root, parsed.error.code, parsed.error.message, docs)]), ...trustedRootDiagnostics(doc, tree.root, new Date(), docs)];
    }
    if (!isOldCosignBundle(bytes)) {
      const parsed = parseBundle(bytes);
      if (!parsed.ok) return [problemDiagnostic(doc, tree.root, parsed.error.code, parsed.error.message, docs)];
    }
    const artifactPath = uriToPath(doc.uri) ? bundleArtifact(file) : undefined;
    if (!artifactPath || !fs.existsSync(artifactPath)) return [];
    const root = await this.verification.trustedRoot();
    if (!root.ok) return [problemDiagnostic(doc, tree.root, root.error.code, root.error.message, docs)];
    const artifact = await readArtifact(artifactPath);
    if (!artifact.ok) return [problemDiagnostic(doc, tree.root, artifact.error.code, artifact.error.message, docs)];
    const trust = this.verification.trust();
    const key = outcomeKey({
      bundle: bytes, artifactPath, artifactSha256: artifact.value.sha256, rootKey: root.value.key,
      rootWarnings: root.value.warnings.map((w) => w.message), trust: this.config.settings.sigstore.trustedIdentities,
    });
    let outcome = this.outcomes.get(key);
    if (!outcome) {
      outcome = verifySignatureFiles({ bundle: { name: file, bytes } }, artifact.value,
        { trustedRoot: root.value.trustedRoot, trust, warnings: root.value.warnings, howToTrust: HOW_TO_TRUST_IN_EDITOR });
      this.outcomes.set(key, outcome);
    }
    return outcomeDiagnostics(doc, tree.root, outcome, docs);
  }

  async hover(uri: string, position: Position): Promise<Hover | undefined> {
    const open = this.docs.get(uri);
    if (!open) return undefined;
    const { doc, kind } = open;
    const bytes = Buffer.from(doc.getText(), 'utf8');
    if (kind === 'signature') return markdownHover(signatureFileLines(bytes, documentPath(uri)));
    const trustedRoot = await this.rootForHover();
    if (kind === 'certificate') return markdownHover(certificateFileLines(bytes, documentPath(uri), trustedRoot));
    if (kind !== 'bundle') return undefined;
    const root = this.tree(doc);
    if (!root) return undefined;
    const found = bundleHoverLines(root, pathAt(root, doc.offsetAt(position)), trustedRoot);
    return found ? markdownHover(found.lines, rangeOf(doc, found.node)) : undefined;
  }

  symbols(uri: string): DocumentSymbol[] {
    const open = this.docs.get(uri);
    const root = open && (open.kind === 'bundle' || open.kind === 'trusted-root') ? this.tree(open.doc) : undefined;
    if (!open || !root) return [];
    return open.kind === 'bundle' ? bundleSymbols(open.doc, root) : trustedRootSymbols(open.doc, root);
  }

  private tree(doc: TextDocument): JsonNode | undefined {
    const text = doc.getText();
    if (text.length > MAX_BUNDLE_BYTES) return undefined;
    const tree = parseJsonTree(text);
    return tree.ok ? tree.root : undefined;
  }

  private async rootForHover(): Promise<LoadedTrustedRoot | undefined> {
    const root = await this.verification.trustedRoot();
    return root.ok ? root.value.trustedRoot : undefined;
  }

  dispose(): void {
    this.pending.dispose();
  }
}
