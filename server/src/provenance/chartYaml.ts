// Chart.yaml (and Chart.lock) read the way Helm 4 reads them and validated the way Helm validates them
// (written back by go/chartWriter.ts).
//
// Helm parses Chart.yaml with sigs.k8s.io/yaml: go-yaml v2 (YAML 1.1 scalars) into interface{}
// (go/yamlDecode.ts), then JSON into its `chart.Metadata` struct (go/jsonStep.ts), so unquoted `on` is a
// bool and `1.10` a float. Where the target field is a string, the non-string is turned into text
// (`appVersion: 1.10` becomes "1.1", through a float32). We do the same for every field except
// apiVersion, name and version: for those we refuse a value Helm would read as different text than was
// written, because Helm would silently sign, name and index the chart under another version than its
// author wrote (`1.10` → `1.1`, `010` → `8`, `name: on` → `true`). An unquoted value that reads back
// unchanged (`version: 1`) is accepted.
//
// Beyond Helm, we refuse what makes a Chart.yaml ambiguous: several YAML documents (Helm reads only
// the first), duplicate keys (Helm keeps one of them, including `Version` vs `version`, since its JSON
// step matches keys case-insensitively), merge keys and explicit tags. Parsing is bounded: a size cap
// (the caller's), a nesting cap and a node budget that also stops alias bombs (billion laughs).
import { fail, ok, type Result } from './codes';
import {
  compact, DEPENDENCY_FIELDS, LOCK_FIELDS, MAINTAINER_FIELDS, METADATA_FIELDS, ZERO_TIME,
  type ChartDependency, type ChartLock, type ChartMetadata, type Field, type Raw,
} from './chartMetadata';
import { ChartYamlError, parseDocument, parseFlatDocument } from './go/yamlDecode';
import { StructDecoder } from './go/jsonStep';
import { goSpacesToBlanks } from './go/unicodeSpace';
import { strictUtf8 } from './utf8';

export interface ChartYamlOptions {
  /** A chart's requirements.yaml: Helm decodes it into the same metadata (apiVersion v1 dependencies). */
  requirementsYaml?: string;
  /** Names the file in messages; "Chart.yaml" by default. */
  fileName?: string;
}

function decodeText(input: string | Uint8Array, file: string): string {
  if (typeof input === 'string') return input;
  // Strict: go-yaml refuses invalid UTF-8 instead of guessing.
  const text = strictUtf8(input);
  if (text === undefined) throw new ChartYamlError(`${file} is not valid UTF-8`);
  return text;
}

function asResult<T>(work: () => T): Result<T, 'chart-invalid'> {
  try {
    return ok(work());
  } catch (e) {
    if (e instanceof ChartYamlError) return fail('chart-invalid', e.message, e.range);
    throw e;
  }
}

/** Parses and validates Chart.yaml as Helm's loader does, with the stricter rules above. */
export function parseChartYaml(input: string | Uint8Array, options: ChartYamlOptions = {}): Result<ChartMetadata, 'chart-invalid'> {
  const file = options.fileName ?? 'Chart.yaml';
  return asResult(() => {
    const text = decodeText(input, file);
    const decode = (chart: ReturnType<typeof parseDocument>) => {
      const raw: Raw = {};
      new StructDecoder(chart.builder).decodeStruct(chart.root, METADATA_FIELDS, raw, 'Chart.yaml');
      if (options.requirementsYaml !== undefined) {
        const req = parseDocument(options.requirementsYaml, 'requirements.yaml');
        new StructDecoder(req.builder).decodeStruct(req.root, METADATA_FIELDS, raw, 'requirements.yaml');
      }
      return validateMetadata(raw, file);
    };
    // A flat Chart.yaml (nearly all) is read without the YAML library; when it is refused, the full
    // reader reads it again, so every message and its range are the full reader's.
    const flat = parseFlatDocument(text, file);
    if (flat) {
      try {
        return decode(flat);
      } catch (e) {
        if (!(e instanceof ChartYamlError)) throw e;
      }
    }
    return decode(parseDocument(text, file));
  });
}

export function parseChartLock(input: string | Uint8Array, fileName = 'Chart.lock'): Result<ChartLock, 'chart-invalid'> {
  return asResult(() => {
    const raw: Raw = {};
    const lock = parseDocument(decodeText(input, fileName), fileName);
    new StructDecoder(lock.builder).decodeStruct(lock.root, LOCK_FIELDS, raw, fileName);
    const deps = raw.dependencies as Array<Raw | null> | undefined;
    return {
      generated: (raw.generated as string | undefined) ?? ZERO_TIME,
      digest: (raw.digest as string | undefined) ?? '',
      dependencies: deps === undefined ? null : deps.map((d, i) => validateDependency(d, i, fileName)),
    };
  });
}

// ---- Validate(), as in Helm's pkg/chart/v2/metadata.go, plus our stricter checks.

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Go's unicode.IsSpace → ' ', and only unicode.IsPrint runes kept (sanitizeString). */
export function sanitizeString(s: string): string {
  // Printable ASCII is letters, digits, punctuation, symbols and blanks: nothing to change, and no need
  // to build the Unicode classes below (a cold verify spent milliseconds compiling them).
  if (PRINTABLE_ASCII.test(s)) return s;
  return goSpacesToBlanks(s)
    .replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu, '');
}

const HELM_SEMVER = /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const UINT64_MAX = 2n ** 64n - 1n;

/** A version number part Go parses as a uint64; up to 19 digits always fits (BigInt only beyond: every chart is read). */
function fitsUint64(part: string | undefined): boolean {
  return part === undefined || part.length < 20 || BigInt(part) <= UINT64_MAX;
}

/** Masterminds/semver v3 NewVersion, which Helm uses: SemVer 2 plus an optional `v` and short forms. */
export function isHelmSemver(version: string): boolean {
  const m = HELM_SEMVER.exec(version);
  return m !== null && fitsUint64(m[1]) && fitsUint64(m[2]) && fitsUint64(m[3]);
}

const ALIAS_FORMAT = /^[a-zA-Z0-9_-]+$/;

function sanitizeFields(raw: Raw, fields: Field[]): void {
  for (const field of fields) {
    const value = raw[field.prop];
    if (field.type.kind === 'string' && field.type.sanitize && typeof value === 'string') raw[field.prop] = sanitizeString(value);
    if (field.type.kind === 'strings' && field.type.sanitize && Array.isArray(value)) raw[field.prop] = value.map((v: string) => sanitizeString(v));
  }
}


function validateDependency(dep: Raw | null, index: number, file: string): ChartDependency {
  if (dep === null) throw new ChartYamlError(`${file}: dependencies must not contain empty or null entries (entry ${index + 1})`);
  sanitizeFields(dep, DEPENDENCY_FIELDS);
  if (typeof dep.alias === 'string' && dep.alias !== '' && !ALIAS_FORMAT.test(dep.alias)) {
    throw new ChartYamlError(`${file}: dependency "${dep.name ?? ''}" has disallowed characters in its alias "${dep.alias}" (letters, digits, _ and - only)`);
  }
  const out = compact(dep, DEPENDENCY_FIELDS);
  out.name = dep.name ?? '';
  out.repository = dep.repository ?? '';
  return out as unknown as ChartDependency;
}

function validateMetadata(raw: Raw, file: string): ChartMetadata {
  // Helm's loader assumes apiVersion v1 when Chart.yaml has none (Helm 2 charts).
  if (raw.apiVersion === undefined || raw.apiVersion === '') raw.apiVersion = 'v1';
  if (raw.apiVersion !== 'v1' && raw.apiVersion !== 'v2') {
    throw new ChartYamlError(`${file}: apiVersion "${String(raw.apiVersion)}" is not supported; use v2 (or v1 for Helm 2 charts)`);
  }
  sanitizeFields(raw, METADATA_FIELDS);
  const name = raw.name as string | undefined;
  if (!name) throw new ChartYamlError(`${file}: name is required`);
  if (name === '.' || name === '..') throw new ChartYamlError(`${file}: name "${name}" is not allowed`);
  if (/[/\\]/.test(name)) throw new ChartYamlError(`${file}: name "${name}" must not contain / or \\ (it names the archive's top directory)`);
  const version = raw.version as string | undefined;
  if (!version) throw new ChartYamlError(`${file}: version is required`);
  if (!isHelmSemver(version)) throw new ChartYamlError(`${file}: version "${version}" is not a semantic version (like 1.2.3)`);
  if (raw.type !== undefined && raw.type !== '' && raw.type !== 'application' && raw.type !== 'library') {
    throw new ChartYamlError(`${file}: type must be application or library, not "${String(raw.type)}"`);
  }
  const maintainers = raw.maintainers as Array<Raw | null> | undefined;
  if (maintainers) {
    raw.maintainers = maintainers.map((m, i) => {
      if (m === null) throw new ChartYamlError(`${file}: maintainers must not contain empty or null entries (entry ${i + 1})`);
      sanitizeFields(m, MAINTAINER_FIELDS);
      return compact(m, MAINTAINER_FIELDS);
    });
  }
  const deps = raw.dependencies as Array<Raw | null> | undefined;
  if (deps) {
    const seen = new Set<string>();
    raw.dependencies = deps.map((d, i) => {
      const dep = validateDependency(d, i, file);
      const key = dep.alias || dep.name;
      if (seen.has(key)) throw new ChartYamlError(`${file}: more than one dependency with name or alias "${key}"`);
      seen.add(key);
      return dep;
    });
  }
  return compact(raw, METADATA_FIELDS) as unknown as ChartMetadata;
}

