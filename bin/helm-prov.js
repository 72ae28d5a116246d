#!/usr/bin/env node
'use strict';
// Prefer the bundle (fast start); fall back to the tsc output in a development checkout.
const fs = require('node:fs');
const path = require('node:path');
const bundle = path.join(__dirname, '..', 'dist', 'helm-prov.js');
const entry = fs.existsSync(bundle) ? bundle : path.join(__dirname, '..', 'out', 'server', 'src', 'cli', 'helmProv.js');
require(entry).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
