// Go's encoding/json Marshal, byte for byte, for what Helm marshals into a registry: chart.Metadata
// (the config blob of `helm push`) and string maps (manifest annotations). Struct fields in declaration
// order with omitempty, map keys sorted, and Go's string escaping (HTML characters as \u003c…).
import { DEPENDENCY_FIELDS, METADATA_FIELDS, isEmpty, type ChartDependency, type ChartMetadata, type Field, type JsonValue, type Raw } from '../chartMetadata';

/** A JSON string as Go writes it: <, >, & and U+2028/9 escaped; \b \f \n \r \t short; other controls \u00xx. */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default:
        if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
        // A lone surrogate cannot come from UTF-8; Go writes invalid UTF-8 as U+FFFD.
        else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
        else out += ch;
    }
  }
  return out + '"';
}

/** A float64 as Go's encoder writes it (shortest form; exponent below 1e-6 and from 1e21, without a padded exponent). */
function goJsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error('Go cannot marshal NaN or an infinity');
  return String(n).replace(/e([+-])0*(\d)/, 'e$1$2');
}

/** interface{} values (from YAML through JSON): maps sorted by key, as Go's map[string]interface{}. */
export function goJsonValue(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return goJsonNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goJsonValue).join(',')}]`;
  return goJsonStringMap(v);
}

/** A Go map with string keys: keys in byte order. */
export function goJsonStringMap(map: { [key: string]: JsonValue }): string {
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonValue(map[k])}`).join(',')}}`;
}

function goJsonStruct(raw: Raw, fields: Field[]): string {
  const parts: string[] = [];
  for (const field of fields) {
    const value = raw[field.prop];
    if (field.omitempty && isEmpty(value)) continue;
    let text: string;
    switch (field.type.kind) {
      case 'structs': {
        const nested = field.type.fields;
        text = Array.isArray(value) ? `[${value.map((item: Raw) => goJsonStruct(item, nested)).join(',')}]` : 'null';
        break;
      }
      case 'string': text = goJsonString((value as string | undefined) ?? ''); break;
      case 'bool': text = value ? 'true' : 'false'; break;
      case 'strings': text = Array.isArray(value) ? `[${(value as string[]).map(goJsonString).join(',')}]` : 'null'; break;
      case 'stringMap': text = value ? goJsonStringMap(value as Record<string, string>) : 'null'; break;
      case 'anyList': text = Array.isArray(value) ? goJsonValue(value as JsonValue[]) : 'null'; break;
      case 'time': text = goJsonString(value as string); break;
    }
    parts.push(`${goJsonString(field.json)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** json.Marshal(chart.Metadata): the config blob `helm push` stores. */
export function helmMetadataJson(meta: ChartMetadata): string {
  return goJsonStruct(meta as unknown as Raw, METADATA_FIELDS);
}

/** json.Marshal([]*chart.Dependency): `null` for a nil list, as Go writes it. */
export function helmDependenciesJson(deps: ChartDependency[] | null | undefined): string {
  return deps ? `[${deps.map((d) => goJsonStruct(d as unknown as Raw, DEPENDENCY_FIELDS)).join(',')}]` : 'null';
}
