// A CodeLens on each `dependencies:` entry of an open Chart.yaml: signed by whom, unsigned, unknown
// signer, digest mismatch, offline… Each dependency is fetched and verified in the background (the
// registry client of server/src/oci/, at most a few at a time) and cached; a lens asked for before its
// answer says "Checking…", and the lenses are refreshed when it arrives, so typing never waits. In
// Restricted Mode, and with `helmProvenance.verifyDependencies` off, no registry is contacted.
import * as path from 'node:path';
import type { CodeLens } from 'vscode-languageserver/node';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { readBoundedFile } from '../provenance/boundedRead';
import { MAX_CHART_YAML_BYTES } from '../provenance/archiveLimits';
import type { ChartDependency } from '../provenance/chartMetadata';
import { parseChartLock } from '../provenance/chartYaml';
import { codiconText } from '../provenance/untrustedText';
import { MAX_YAML_DEPTH, MAX_YAML_NODES, nestingBound, yamlNodeEstimate } from '../provenance/yamlBounds';
import { planDependencies, type DependencyPlan } from '../oci/dependencies';
import { ByteBudget } from '../oci/byteBudget';
import { DEFAULT_MAX_LAYER_BYTES } from '../oci/limits';
import { shortFingerprint } from './keyText';
import type { KeySet } from './keyStore';

/** Fetches at once, across all charts. */
const PARALLEL_FETCHES = 4;
/** Offline and auth answers are asked again after this long; verdicts on fetched charts are kept. */
const RETRY_TRANSIENT_MS = 60_000;
const TRANSIENT = new Set(['registry-unreachable', 'registry-timeout', 'registry-tls-failed', 'registry-auth-failed', 'registry-credentials-failed', 'registry-error']);

export const CHECKING_DEPENDENCY_TITLE = 'Checking dependency…';

interface Answer { title: string; transient: boolean; at: number }

export interface DependencyLensHost {
  /** Resolves once the first settings arrived: whether and with which keys to check depends on them. */
  ready: () => Promise<void>;
  trusted: () => boolean;
  enabled: () => boolean;
  keys: () => Promise<KeySet>;
  trustedFingerprints: () => string[];
  refresh: () => void;
  log: (message: string) => void;
}

/** Each dependency entry of the text with the line it starts on (bounded like any Chart.yaml read). */
export function dependencyEntries(text: string): { line: number; dependency: ChartDependency }[] {
  if (text.length > MAX_CHART_YAML_BYTES || nestingBound(text) > MAX_YAML_DEPTH || yamlNodeEstimate(text) > MAX_YAML_NODES) return [];
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
  const deps = isMap(doc.contents) ? doc.contents.get('dependencies', true) : undefined;
  if (!isSeq(deps)) return [];
  const out: { line: number; dependency: ChartDependency }[] = [];
  for (const item of deps.items) {
    if (!isMap(item) || !item.range) continue;
    const field = (k: string) => { const v = item.get(k); return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined; };
    const name = field('name');
    if (!name) continue;
    const version = field('version');
    out.push({ line: counter.linePos(item.range[0]).line - 1, dependency: { name, repository: field('repository') ?? '', ...(version !== undefined ? { version } : {}) } });
  }
  return out;
}

export class DependencyLenses {
  private readonly answers = new Map<string, Answer>();
  private readonly queue: (() => Promise<void>)[] = [];
  private running = 0;
  /** Chart bytes the server holds at once across its fetches (a workspace may list hostile registries). */
  private readonly budget = new ByteBudget(DEFAULT_MAX_LAYER_BYTES);

  constructor(private readonly host: DependencyLensHost) {}

  /** Every answer is forgotten (keys or settings changed). */
  clear(): void {
    this.answers.clear();
  }

  async lenses(chartYaml: string, text: string): Promise<CodeLens[]> {
    const entries = dependencyEntries(text);
    if (entries.length === 0) return [];
    await this.host.ready();
    const lock = readBoundedFile(path.join(path.dirname(chartYaml), 'Chart.lock'), MAX_CHART_YAML_BYTES);
    const parsedLock = lock.ok ? parseChartLock(lock.bytes) : undefined;
    const { readRepositoryAliases } = await import('../oci/repositoryAliases');
    const plans = planDependencies(entries.map((e) => e.dependency), parsedLock?.ok ? parsedLock.value : undefined, readRepositoryAliases());
    const keySet = this.host.trusted() && this.host.enabled() ? await this.host.keys() : undefined;
    return plans.map((plan, i) => {
      const range = { start: { line: entries[i].line, character: 0 }, end: { line: entries[i].line, character: 0 } };
      return { range, command: { title: this.title(plan, keySet), command: '' } };
    });
  }

  private title(plan: DependencyPlan, keySet: KeySet | undefined): string {
    const who = `${plan.name}${plan.version ? ` ${plan.version}` : ''}`;
    if (plan.kind === 'local') return codiconText(`${who}: local chart (file://), nothing to fetch`, 160);
    if (plan.kind === 'unresolved') return codiconText(`? ${who}: not checked — ${plan.reason}`, 200);
    if (!this.host.trusted()) return codiconText(`${who}: not checked in Restricted Mode (no registry is contacted)`, 160);
    if (!this.host.enabled() || !keySet) return codiconText(`${who}: not checked (helmProvenance.verifyDependencies is off)`, 160);
    const key = `${plan.kind === 'oci' ? plan.reference : `${plan.url}|${plan.name}|${plan.version}`}|${keySet.digest}|${this.host.trustedFingerprints().join(',')}`;
    const answer = this.answers.get(key);
    if (answer && !(answer.transient && Date.now() - answer.at > RETRY_TRANSIENT_MS)) return answer.title;
    if (!answer || answer.title !== CHECKING_DEPENDENCY_TITLE) {
      this.answers.set(key, { title: CHECKING_DEPENDENCY_TITLE, transient: false, at: Date.now() });
      this.enqueue(async () => {
        const title = await this.check(plan, keySet).catch((e: Error) => ({ title: `✗ ${who}: ${e.message}`, transient: true }));
        this.answers.set(key, { ...title, title: codiconText(title.title, 200), at: Date.now() });
        this.host.refresh();
      });
    }
    return CHECKING_DEPENDENCY_TITLE;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < PARALLEL_FETCHES && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void job().finally(() => { this.running--; this.pump(); });
    }
  }

  /** Fetches and verifies one dependency; the lens text for its outcome. */
  private async check(plan: DependencyPlan & { kind: 'oci' | 'repo' }, keySet: KeySet): Promise<{ title: string; transient: boolean }> {
    const who = `${plan.name} ${plan.version}`;
    const options = { keys: keySet.keys, trustedFingerprints: this.host.trustedFingerprints(), maxLayerBytes: DEFAULT_MAX_LAYER_BYTES, budget: this.budget };
    const { verifyPlanned, withoutUserinfo } = await import('./editorRegistry');
    const checked = await verifyPlanned(plan, options);
    if (checked.kind === 'failed') {
      if (checked.outcome.code === 'reference-invalid') return { title: `? ${who}: ${checked.outcome.message}`, transient: false };
      return { title: `✗ ${who}: ${checked.outcome.message}`, transient: checked.transient };
    }
    const outcome = checked.outcome;
    this.host.log(`dependency ${who} (${withoutUserinfo(plan.repository)}): ${outcome.code}`);
    return { title: dependencyTitle(who, outcome), transient: TRANSIENT.has(outcome.code) };
  }
}

/** The lens text for a dependency's outcome: who signed it, or what is wrong in a few words. */
export function dependencyTitle(who: string, o: { verdict: string; code: string; openpgp?: { signer?: { uid?: string; fingerprint: string } } }): string {
  if (o.verdict === 'verified') {
    const signer = o.openpgp?.signer;
    return `✓ ${who} signed by ${signer?.uid ? `${signer.uid} · ` : ''}${signer ? shortFingerprint(signer.fingerprint) : ''}`;
  }
  switch (o.code) {
    case 'missing-prov': return `⚠ ${who}: unsigned (no .prov)`;
    case 'unknown-signer': return `✗ ${who}: unknown signer — the key is not in your keyrings`;
    case 'hash-mismatch': case 'blob-digest-mismatch': case 'repo-digest-mismatch': return `✗ ${who}: digest mismatch (${o.code})`;
    case 'registry-unreachable': case 'registry-timeout': case 'registry-tls-failed': return `✗ ${who}: offline — the registry cannot be reached (${o.code})`;
    case 'registry-auth-failed': case 'registry-credentials-failed': return `✗ ${who}: not authorized — log in with helm registry login (${o.code})`;
    default: return `✗ ${who}: ${o.code}`;
  }
}
