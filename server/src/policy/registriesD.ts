// containers-registries.d(5) as containers/image's docker/registries_d.go reads it: every `*.yaml` file
// of the folder, merged; a scope (or `default-docker`) defined in two files makes the runtime refuse the
// lot. Per image, the lookaside (where simple signatures live) and use-sigstore-attachments come from
// the image's identity, then its namespaces, then `default-docker`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import { readBoundedFile } from '../provenance/boundedRead';
import { escapeUntrusted } from '../provenance/untrustedText';
import { strictUtf8 } from '../provenance/utf8';
import type { Range } from '../provenance/codes';
import { policyIdentity, policyNamespaces, type DockerReference } from './dockerReference';
import type { PolicyProblem } from './policyModel';
import { scopeProblem } from './scopes';
import { keyText, kindOf, MAX_POLICY_BYTES, pairsOf, parseYamlText, problem, type SourceText } from './sourceText';

/** More files than this in one registries.d folder is no configuration. */
export const MAX_REGISTRIES_FILES = 256;

export const NAMESPACE_FIELDS = ['lookaside', 'lookaside-staging', 'sigstore', 'sigstore-staging', 'use-sigstore-attachments'] as const;

export interface Namespace {
  file: string;
  range: Range;
  lookaside?: string;
  lookasideStaging?: string;
  useSigstoreAttachments?: boolean;
}

export interface RegistriesConfig {
  defaultDocker?: Namespace;
  docker: Map<string, Namespace>;
  /** Findings per file, in the order the files were read. */
  problems: Map<string, PolicyProblem[]>;
}

function urlProblem(value: string, range: Range, field: string): PolicyProblem | undefined {
  let url: URL;
  try { url = new URL(value); } catch {
    return problem('registries-lookaside-url', 'error', `"${field}" must be a URL (file:///path, https://host/path): "${escapeUntrusted(value)}" is not one, and the runtime fails to read signatures ("Unsupported scheme").`, range);
  }
  if (!['file:', 'http:', 'https:'].includes(url.protocol)) {
    return problem('registries-lookaside-url', 'error', `"${field}" uses the scheme "${escapeUntrusted(url.protocol)}"; the runtime reads signatures only from file:, http: and https: URLs.`, range);
  }
  return undefined;
}

function parseNamespace(src: SourceText, node: Node, file: string, out: PolicyProblem[]): Namespace | undefined {
  const range = src.rangeOf(node);
  if (isScalar(node) && node.value === null) return { file, range };
  if (!isMap(node)) {
    out.push(problem('registries-invalid', 'error', `A registries.d namespace must be a mapping, not ${kindOf(node)}: the runtime refuses the file.`, range));
    return undefined;
  }
  const ns: Namespace = { file, range };
  for (const pair of pairsOf(node)) {
    const name = keyText(pair);
    const value = pair.value as Node;
    if (!(NAMESPACE_FIELDS as readonly string[]).includes(name)) {
      out.push(problem('registries-unknown-field', 'warning', `"${escapeUntrusted(name)}" is not a registries.d field (${NAMESPACE_FIELDS.join(', ')}): the runtime ignores it.`, src.rangeOf(pair.key)));
      continue;
    }
    if (name === 'use-sigstore-attachments') {
      if (!isScalar(value) || typeof value.value !== 'boolean') {
        out.push(problem('registries-invalid', 'error', `"use-sigstore-attachments" must be true or false, not ${kindOf(value)}: the runtime refuses the file.`, src.rangeOf(value)));
      } else ns.useSigstoreAttachments = value.value;
      continue;
    }
    if (!isScalar(value) || (typeof value.value !== 'string' && typeof value.value !== 'number')) {
      out.push(problem('registries-invalid', 'error', `"${name}" must be a URL string, not ${kindOf(value)}: the runtime refuses the file.`, src.rangeOf(value)));
      continue;
    }
    const url = String(value.value);
    const bad = urlProblem(url, src.rangeOf(value), name);
    if (bad) out.push(bad);
    if (name === 'lookaside' || (name === 'sigstore' && ns.lookaside === undefined)) ns.lookaside = url;
    if (name === 'lookaside-staging' || (name === 'sigstore-staging' && ns.lookasideStaging === undefined)) ns.lookasideStaging = url;
  }
  return ns;
}

/** One registries.d file's text, merged into `config` (duplicates reported against what came first). */
export function addRegistriesFile(config: RegistriesConfig, file: string, text: string): void {
  const src = parseYamlText(text);
  const out: PolicyProblem[] = [...src.problems];
  config.problems.set(file, out);
  const root = src.root;
  if (!root || (isScalar(root) && root.value === null)) return;
  if (!isMap(root)) {
    out.push(problem('registries-invalid', 'error', `A registries.d file is a mapping with "default-docker" and "docker", not ${kindOf(root)}.`, src.rangeOf(root)));
    return;
  }
  for (const pair of pairsOf(root)) {
    const name = keyText(pair);
    const keyRange = src.rangeOf(pair.key);
    if (name === 'default-docker') {
      const ns = parseNamespace(src, pair.value as Node, file, out);
      if (!ns) continue;
      if (config.defaultDocker) out.push(problem('registries-duplicate-scope', 'error', `"default-docker" is also defined in ${escapeUntrusted(config.defaultDocker.file)}: the runtime refuses both.`, keyRange));
      else config.defaultDocker = { ...ns, range: keyRange };
    } else if (name === 'docker') {
      const scopes = pair.value as Node;
      if (isScalar(scopes) && scopes.value === null) continue;
      if (!isMap(scopes)) {
        out.push(problem('registries-invalid', 'error', `"docker" must map scopes to namespaces, not be ${kindOf(scopes)}: the runtime refuses the file.`, src.rangeOf(scopes)));
        continue;
      }
      for (const scopePair of pairsOf(scopes)) {
        const scope = keyText(scopePair);
        const scopeRange = src.rangeOf(scopePair.key);
        const bad = scopeProblem('docker', scope, scopeRange);
        if (bad) out.push({ ...bad, code: 'registries-scope-not-expanded' });
        const ns = parseNamespace(src, scopePair.value as Node, file, out);
        if (!ns) continue;
        const earlier = config.docker.get(scope);
        if (earlier) out.push(problem('registries-duplicate-scope', 'error', `The scope "${escapeUntrusted(scope)}" is also defined in ${escapeUntrusted(earlier.file)}: the runtime refuses the whole registries.d folder.`, scopeRange));
        else config.docker.set(scope, { ...ns, range: scopeRange });
      }
    } else {
      out.push(problem('registries-unknown-field', 'warning', `"${escapeUntrusted(name)}" is not a registries.d key ("default-docker", "docker"): the runtime ignores it.`, keyRange));
    }
  }
}

export function emptyRegistries(): RegistriesConfig {
  return { docker: new Map(), problems: new Map() };
}

/** Every `*.yaml` file of a registries.d folder (sorted, bounded); `*.yml` files are reported as ignored. */
export function loadRegistriesDir(dir: string): RegistriesConfig | string {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (e) {
    return `${escapeUntrusted(dir)} cannot be read: ${escapeUntrusted((e as Error).message)}`;
  }
  const config = emptyRegistries();
  const read = names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'));
  if (read.length > MAX_REGISTRIES_FILES) return `${escapeUntrusted(dir)} holds ${read.length} YAML files, over the limit of ${MAX_REGISTRIES_FILES}`;
  for (const name of read) {
    const file = path.join(dir, name);
    if (name.endsWith('.yml')) {
      config.problems.set(file, [problem('registries-invalid', 'warning', 'The runtime reads only *.yaml files from registries.d: this *.yml file is ignored. Rename it.', { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } })]);
      continue;
    }
    const bytes = readBoundedFile(file, MAX_POLICY_BYTES);
    if (!bytes.ok) {
      if (bytes.reason === 'missing') continue;
      config.problems.set(file, [problem('registries-invalid', 'error', `${escapeUntrusted(bytes.message)}.`, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } })]);
      continue;
    }
    const text = strictUtf8(bytes.bytes);
    if (text === undefined) {
      config.problems.set(file, [problem('registries-invalid', 'error', 'The file is not UTF-8 text.', { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } })]);
      continue;
    }
    addRegistriesFile(config, file, text);
  }
  return config;
}

/** The namespaces consulted for an image (or a policy scope), in the runtime's order. */
function candidates(config: RegistriesConfig, ref: DockerReference): { key: string; ns: Namespace }[] {
  const keys = [policyIdentity(ref), ...policyNamespaces(ref)];
  return keys.flatMap((key) => (config.docker.has(key) ? [{ key, ns: config.docker.get(key)! }] : []));
}

export interface SignatureLocation {
  /** The configured lookaside base URL (without the repository path). */
  base: string;
  /** The lookaside base URL with the repository path appended: signatures are `<url>@sha256=<hex>/signature-<n>`. */
  url: string;
  /** Which configuration chose it: a scope, "default-docker", or the runtime's built-in default. */
  from: string;
  file?: string;
  useSigstoreAttachments: boolean;
  attachmentsFrom?: string;
}

/** The runtime's built-in lookaside when nothing is configured (signatureTopLevel returned ""). */
function builtinLookaside(): string {
  const dir = process.getuid?.() === 0 ? '/var/lib/containers/sigstore' : path.join(os.homedir(), '.local/share/containers/sigstore');
  return `file://${dir}`;
}

/** Where the runtime reads simple signatures for `ref`, and whether it reads sigstore attachments. */
export function signatureLocation(config: RegistriesConfig, ref: DockerReference): SignatureLocation {
  const found = candidates(config, ref);
  const withLookaside = found.find((c) => c.ns.lookaside);
  const fromDefault = !withLookaside && config.defaultDocker?.lookaside ? config.defaultDocker : undefined;
  const base = withLookaside?.ns.lookaside ?? fromDefault?.lookaside ?? builtinLookaside();
  const from = withLookaside ? `docker scope "${withLookaside.key}"` : fromDefault ? 'default-docker' : 'the built-in default (nothing configured)';
  const attachments = found.find((c) => c.ns.useSigstoreAttachments !== undefined);
  const useSigstoreAttachments = attachments?.ns.useSigstoreAttachments ?? config.defaultDocker?.useSigstoreAttachments ?? false;
  return {
    base,
    url: `${base.replace(/\/+$/, '')}/${ref.path}`,
    from,
    file: withLookaside?.ns.file ?? fromDefault?.file,
    useSigstoreAttachments,
    attachmentsFrom: attachments ? `docker scope "${attachments.key}"` : config.defaultDocker?.useSigstoreAttachments !== undefined ? 'default-docker' : undefined,
  };
}

/** The file path of a lookaside signature, when the lookaside is a file: URL; undefined otherwise. */
export function lookasideFile(location: SignatureLocation, digest: string, index: number): string | undefined {
  if (!location.url.startsWith('file:')) return undefined;
  const [algorithm, hex] = digest.split(':');
  return `${new URL(location.url).pathname}@${algorithm}=${hex}/signature-${index}`;
}

