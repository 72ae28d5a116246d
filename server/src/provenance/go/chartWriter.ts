// Chart.yaml, Chart.lock and a `.prov`'s metadata written as Helm writes them: sigs.k8s.io/yaml.Marshal
// of Helm's structs (JSON field names, omitempty, sorted keys), byte for byte.
import { isEmpty, LOCK_FIELDS, METADATA_FIELDS, ZERO_TIME, type ChartLock, type ChartMetadata, type Field, type Raw } from '../chartMetadata';
import { defineEntry } from './jsonStep';
import { marshalGoYaml, type YamlValue } from './yamlEmitter';

function toYamlValue(raw: Raw, fields: Field[]): { [key: string]: YamlValue } {
  const out: { [key: string]: YamlValue } = {};
  for (const field of fields) {
    const value = raw[field.prop];
    if (field.omitempty && isEmpty(value)) continue;
    let yamlValue: YamlValue;
    if (field.type.kind === 'structs') {
      const nested = field.type.fields;
      yamlValue = Array.isArray(value) ? value.map((item: Raw) => toYamlValue(item, nested)) : null;
    } else if (value === undefined) {
      yamlValue = field.type.kind === 'string' ? '' : field.type.kind === 'time' ? ZERO_TIME : null;
    } else {
      yamlValue = value as YamlValue;
    }
    defineEntry(out, field.json, yamlValue);
  }
  return out;
}

/**
 * The Chart metadata exactly as Helm 4 writes it at the top of a `.prov` (yaml.Marshal of
 * chart.Metadata). The signer appends "\n...\n" and the `files:` document after it.
 */
export function provenanceMetadataYaml(meta: ChartMetadata): string {
  return marshalGoYaml(toYamlValue(meta as unknown as Raw, METADATA_FIELDS));
}

/** Chart.yaml as `helm package` writes it into the archive (v1 charts keep dependencies in requirements.yaml). */
export function archiveChartYaml(meta: ChartMetadata): string {
  return provenanceMetadataYaml(meta.apiVersion === 'v1' ? { ...meta, dependencies: undefined } : meta);
}

/** Chart.lock as `helm package` writes it into the archive. */
export function archiveChartLock(lock: ChartLock): string {
  return marshalGoYaml(toYamlValue(lock as unknown as Raw, LOCK_FIELDS));
}
