// Imported first by run.ts, before the tests' LSP session module reads HELM_PROV_LS: the language
// server benchmarks then drive what the VS Code client starts (client/src/serverConnection.ts: the
// launcher bin/helm-prov-ls.js, which runs the bundle dist/server.js through its V8 code cache), not
// the tsc output, when the bundle has been built. An explicit HELM_PROV_LS wins.
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
if (!process.env.HELM_PROV_LS && fs.existsSync(path.join(repoRoot, 'dist', 'server.js'))) process.env.HELM_PROV_LS = path.join(repoRoot, 'bin', 'helm-prov-ls.js');
