// The `yaml` library, loaded the first time a text needs it. The flat Chart.yaml and `.prov` texts that
// nearly every chart has (yamlFlat.ts) never do, and evaluating the library's modules (its schemas,
// tags and composer) was part of every cold `helm-prov verify` (bench/findings.md). A `require` inside a
// function is what esbuild leaves unevaluated in a bundle until called; a top-level import runs at load.
import type * as Yaml from 'yaml';

let library: typeof Yaml | undefined;

export function yamlLibrary(): typeof Yaml {
  return (library ??= require('yaml') as typeof Yaml);
}
