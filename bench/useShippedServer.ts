// Imported first by run.ts, before the tests' LSP session module reads HELM_PROV_LS: the language
// server benchmarks then drive the bundle that ships (dist/server.js), not the tsc output, when it
// has been built. An explicit HELM_PROV_LS wins.
import * as fs from 'node:fs';
import * as path from 'node:path';

const bundle = path.resolve(__dirname, '..', '..', 'dist', 'server.js');
if (!process.env.HELM_PROV_LS && fs.existsSync(bundle)) process.env.HELM_PROV_LS = bundle;
