// Helm's chart.Metadata and chart.Lock: the types the engine hands out, and the Go structs' field tables
// (JSON names, omitempty, which strings Validate() sanitizes) that reading (go/jsonStep.ts), validating
// (chartYaml.ts) and writing (go/chartWriter.ts) share.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ChartMaintainer { name?: string; email?: string; url?: string }

export interface ChartDependency {
  name: string;
  version?: string;
  repository: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  /** `import-values` in YAML. */
  importValues?: JsonValue[];
  alias?: string;
}

/** Helm's chart.Metadata after loading and Validate() (strings sanitized like Helm does). */
export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  home?: string;
  sources?: string[];
  description?: string;
  keywords?: string[];
  maintainers?: ChartMaintainer[];
  icon?: string;
  condition?: string;
  tags?: string;
  appVersion?: string;
  deprecated?: boolean;
  annotations?: Record<string, string>;
  kubeVersion?: string;
  dependencies?: ChartDependency[];
  type?: string;
}

/** Helm's chart.Lock (Chart.lock). `generated` is RFC 3339 as Go prints it. */
export interface ChartLock {
  generated: string;
  digest: string;
  /** null when Chart.lock has no `dependencies` (Helm writes `dependencies: null`). */
  dependencies: ChartDependency[] | null;
}

/** A struct being decoded or written: field values by property name. */
export type Raw = Record<string, unknown>;

export type FieldType =
  | { kind: 'string'; sanitize?: boolean; mustBeYamlString?: boolean }
  | { kind: 'bool' }
  | { kind: 'strings'; sanitize?: boolean }
  | { kind: 'stringMap' }
  | { kind: 'structs'; fields: Field[]; what: string }
  | { kind: 'anyList' }
  | { kind: 'time' };

export interface Field { json: string; prop: string; omitempty: boolean; type: FieldType }

const f = (json: string, type: FieldType, omitempty = true, prop = json): Field => ({ json, prop, omitempty, type });
const sanitized: FieldType = { kind: 'string', sanitize: true };

export const MAINTAINER_FIELDS: Field[] = [f('name', sanitized), f('email', sanitized), f('url', sanitized)];

export const DEPENDENCY_FIELDS: Field[] = [
  f('name', sanitized, false),
  f('version', sanitized),
  f('repository', sanitized, false),
  f('condition', sanitized),
  f('tags', { kind: 'strings', sanitize: true }),
  f('enabled', { kind: 'bool' }),
  f('import-values', { kind: 'anyList' }, true, 'importValues'),
  f('alias', { kind: 'string' }),
];

export const METADATA_FIELDS: Field[] = [
  f('name', { kind: 'string', sanitize: true, mustBeYamlString: true }),
  f('home', sanitized),
  f('sources', { kind: 'strings', sanitize: true }),
  f('version', { kind: 'string', mustBeYamlString: true }),
  f('description', sanitized),
  f('keywords', { kind: 'strings', sanitize: true }),
  f('maintainers', { kind: 'structs', fields: MAINTAINER_FIELDS, what: 'maintainers' }),
  f('icon', sanitized),
  f('apiVersion', { kind: 'string', mustBeYamlString: true }),
  f('condition', sanitized),
  f('tags', sanitized),
  f('appVersion', sanitized),
  f('deprecated', { kind: 'bool' }),
  f('annotations', { kind: 'stringMap' }),
  f('kubeVersion', sanitized),
  f('dependencies', { kind: 'structs', fields: DEPENDENCY_FIELDS, what: 'dependencies' }),
  f('type', { kind: 'string' }),
];

export const LOCK_FIELDS: Field[] = [
  f('generated', { kind: 'time' }, false),
  f('digest', { kind: 'string' }, false),
  f('dependencies', { kind: 'structs', fields: DEPENDENCY_FIELDS, what: 'dependencies' }, false),
];

/** Go's zero time.Time as RFC 3339: what Helm writes for a Chart.lock without `generated`. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Drops the values Go's omitempty would drop, so the object has exactly what Helm would write. */
export function compact(raw: Raw, fields: Field[]): Raw {
  const out: Raw = {};
  for (const field of fields) {
    const value = raw[field.prop];
    if (field.omitempty && isEmpty(value)) continue;
    out[field.prop] = value;
  }
  return out;
}

export function isEmpty(value: unknown): boolean {
  return value === undefined || value === '' || value === false || (Array.isArray(value) && value.length === 0)
    || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
}
