#!/usr/bin/env node
'use strict';
// The language server for any LSP editor: `helm-prov-ls --stdio`.
const fs = require('node:fs');
const path = require('node:path');
const bundle = path.join(__dirname, '..', 'dist', 'server.js');
require(fs.existsSync(bundle) ? bundle : path.join(__dirname, '..', 'out', 'server', 'src', 'lsp', 'server.js'));
