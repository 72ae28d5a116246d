// scripts/e2e/install-code-server.sh is started under `npm run` (npm test, npm run bench). That npm
// exports its own settings: npm_config_user_agent names ITS Node (20), and a nested `npm install` reads
// the variable as its own setting and hands it to code-server's postinstall, which takes the Node
// version from it and refuses ("requires node v24 … you are on node v20"). The install must run as from
// a plain shell, whatever npm started it. When it cannot install something, its callers (the e2e
// harness, the bench's report) must be able to say what.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeServerBinary, CodeServerInstallError } from '../e2e/codeServer';
import { repoRoot, tempDir } from '../support/tools';

const withoutNpmRun = path.join(repoRoot, 'scripts', 'e2e', 'without-npm-run.sh');
const installScript = path.join(repoRoot, 'scripts', 'e2e', 'install-code-server.sh');
const work = tempDir('install-env-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** What npm run puts into a script's environment, with a user agent naming a Node that is not this one. */
const OUTER_USER_AGENT = 'npm/11.0.0 node/v99.1.0 linux x64 workspaces/false';

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Runs `command` as the script of a real `npm run` in a scratch project; answers its stdout. */
function underNpmRun(name: string, command: string): string {
  const project = path.join(work, name);
  writeJson(path.join(project, 'package.json'), { name, version: '1.0.0', private: true, scripts: { nested: command } });
  const r = spawnSync('npm', ['run', '-s', 'nested'], {
    cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_user_agent: OUTER_USER_AGENT },
  });
  assert.equal(r.status, 0, `npm run failed: ${r.stderr}`);
  return r.stdout;
}

/** NAME=value lines of a recorded `env -0`. */
function parseEnv(recorded: string): Map<string, string> {
  return new Map(recorded.split('\0').filter(Boolean).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

function assertPlainShellEnv(env: Map<string, string>): void {
  const leaked = [...env.keys()].filter((k) => k.startsWith('npm_') || k === 'NODE' || k === 'INIT_CWD');
  assert.deepEqual(leaked, [], 'variables of the npm that started it');
  const npmPaths = (env.get('PATH') ?? '').split(':').filter((d) => d.endsWith('/node_modules/.bin') || d.endsWith('/node-gyp-bin'));
  assert.deepEqual(npmPaths, [], 'PATH entries npm run prepended');
}

describe('install-code-server.sh under npm run', () => {
  test('a nested npm install started through without-npm-run.sh hands its postinstall its own Node, not the outer npm\'s', () => {
    const pkg = path.join(work, 'probe-pkg');
    const seen = path.join(work, 'seen-user-agent');
    // The same check code-server's postinstall makes: the Node major version from npm_config_user_agent.
    writeJson(path.join(pkg, 'package.json'), {
      name: 'probe-pkg', version: '1.0.0', scripts: { postinstall: `printf %s "$npm_config_user_agent" > ${JSON.stringify(seen)}` },
    });
    const prefix = path.join(work, 'nested-prefix');
    underNpmRun('nested-install', `bash ${withoutNpmRun} npm install --prefix ${prefix} --no-save --no-package-lock --foreground-scripts --loglevel=error ${pkg}`);
    const userAgent = fs.readFileSync(seen, 'utf8');
    assert.match(userAgent, new RegExp(` node/${process.version.replace(/\./g, '\\.')} `));
    assert.doesNotMatch(userAgent, /v99/);
  });

  test('without-npm-run.sh runs its command with no npm_* variable, NODE, INIT_CWD or npm\'s PATH entries', () => {
    const recorded = path.join(work, 'wrapped-env.recorded');
    underNpmRun('wrapped-env', `bash ${withoutNpmRun} sh -c 'env -0 > ${recorded}'`);
    assertPlainShellEnv(parseEnv(fs.readFileSync(recorded, 'utf8')));
  });

  test('install-code-server.sh itself runs without the environment of the npm that started it', () => {
    // A cache that already holds both installs: the script only checks them. Its Node 24 check runs
    // this "node", which records the environment the script runs in.
    const cache = path.join(work, 'cache');
    const fakeNode = path.join(cache, 'node24', 'node_modules', '.bin', 'node');
    const recorded = path.join(work, 'install-env.recorded');
    fs.mkdirSync(path.dirname(fakeNode), { recursive: true });
    fs.writeFileSync(fakeNode, `#!/bin/sh\nenv -0 > ${JSON.stringify(recorded)}\necho v24.0.0\n`, { mode: 0o755 });
    fs.mkdirSync(path.join(cache, 'code-server'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'code-server', `.installed-${/^CODE_SERVER_VERSION=(.+)$/m.exec(fs.readFileSync(installScript, 'utf8'))![1]}`), '');
    const stdout = underNpmRun('install-script', `HELM_PROV_E2E_CACHE=${cache} bash ${installScript}`);
    assert.equal(stdout.trim(), path.join(cache, 'code-server', 'bin', 'code-server'));
    assertPlainShellEnv(parseEnv(fs.readFileSync(recorded, 'utf8')));
  });
});

describe('install-code-server.sh when it cannot install', () => {
  test('its last line names what it could not install, and codeServerBinary() hands that on', async () => {
    // A cache folder below a regular file cannot be made: the Node 24 step fails at once, offline.
    const file = path.join(work, 'not-a-folder');
    fs.writeFileSync(file, '');
    const cache = path.join(file, 'cache');
    const saved = { cache: process.env.HELM_PROV_E2E_CACHE, path: process.env.CODE_SERVER_PATH };
    process.env.HELM_PROV_E2E_CACHE = cache;
    delete process.env.CODE_SERVER_PATH;
    try {
      const error = await codeServerBinary().then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof CodeServerInstallError, `expected a CodeServerInstallError, got ${String(error)}`);
      assert.notEqual(error.exitCode, 0);
      assert.equal(error.installing, `Node 24 (npm install node@24 into ${cache}/node24)`);
      assert.match(error.message, /could not install Node 24/);
    } finally {
      process.env.HELM_PROV_E2E_CACHE = saved.cache;
      if (saved.path !== undefined) process.env.CODE_SERVER_PATH = saved.path;
      if (saved.cache === undefined) delete process.env.HELM_PROV_E2E_CACHE;
    }
  });
});
