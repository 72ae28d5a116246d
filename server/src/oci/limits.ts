// Every bound on what a registry or chart repository may make us read or wait for. docs/security.md
// ("Registries") lists each with why.
import { MAX_COMPRESSED_BYTES } from '../provenance/archiveLimits';

/** A manifest: Helm's are under 1 KB; the distribution registry itself refuses manifests over 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A Helm config blob is Chart.yaml as JSON: Chart.yaml's own limit is 1 MiB. */
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;
/** The chart layer, by default: the archive limit the engine applies to any chart. Lower it with --max-layer-bytes. */
export const DEFAULT_MAX_LAYER_BYTES = MAX_COMPRESSED_BYTES;
/** A classic repository's index.yaml: large public ones are a few MB (bitnami's was about 30 MB before it was trimmed). */
export const MAX_INDEX_BYTES = 32 * 1024 * 1024;
/**
 * YAML nodes parsed from an index.yaml, by the indicator estimate (yamlBounds.ts). The yaml library
 * builds about 0.6 KB per node: a 9 MB index of 820 000 nodes took 490 MB, a 6 MB one of 2.9 million
 * 2.6 GB. So only the asked chart's part of a Helm-written index is parsed (repoIndex.ts); a chart with
 * 3 000 versions is about 120 000 nodes.
 */
export const MAX_INDEX_NODES = 150_000;
/** The body of an error, a token reply or a redirect: what a message can quote, nothing more. */
export const MAX_SMALL_REPLY_BYTES = 64 * 1024;
/** Descriptors in one manifest: a Helm chart has 2 layers; cosign signature manifests a few. */
export const MAX_LAYERS = 64;
/** Redirects followed for one request (blob downloads go to a storage back end once). */
export const MAX_REDIRECTS = 5;
/** With no byte received for this long a request is given up. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** No single request may take longer than this in all. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10 * 60_000;
/** Output of a credential helper (a JSON object with a user name and a secret). */
export const MAX_HELPER_OUTPUT_BYTES = 64 * 1024;
/** A credential helper that has not answered by then is stopped. */
export const HELPER_TIMEOUT_MS = 20_000;
/** A credentials file (Helm's registry/config.json, Docker's config.json). */
export const MAX_CREDENTIALS_FILE_BYTES = 4 * 1024 * 1024;
