// A real VS Code (code-server) on a loopback port, with a private profile that is removed on stop.
// See /work/shared/notes/e2e.md for the facts this relies on.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../support/tools';
import { delay, isRunning, killProcessGroup, runBounded, tail, withTimeout } from './processes';

const installScript = path.join(repoRoot, 'scripts', 'e2e', 'install-code-server.sh');
/** A fresh install builds native modules for a few minutes; a cached one answers at once. */
const installTimeoutMs = 15 * 60_000;

let launcher: Promise<string> | undefined;

/** The install script failed: its exit code and what it wrote (its last line names what it could not install). */
export class CodeServerInstallError extends Error {
  constructor(readonly exitCode: number, readonly stderr: string) {
    super(`${installScript} failed (exit ${exitCode}):\n${tail(stderr, 20)}`);
  }

  /** What the script was installing when it failed, from its last line ("could not install <what> (exit N)"). */
  get installing(): string | undefined {
    return /^\[install-code-server\] could not install (.+) \(exit \d+\)$/m.exec(this.stderr.trim().split('\n').pop() ?? '')?.[1];
  }
}

/**
 * Path of the code-server launcher: $CODE_SERVER_PATH, else the cached install made (on first use)
 * by scripts/e2e/install-code-server.sh, whose progress goes to stderr.
 */
export function codeServerBinary(): Promise<string> {
  const fromEnv = process.env.CODE_SERVER_PATH;
  if (fromEnv) return Promise.resolve(fromEnv);
  launcher ??= runBounded('bash', [installScript], {
    timeoutMs: installTimeoutMs, onStderr: (chunk) => process.stderr.write(chunk),
  }).then((run) => {
    if (run.code !== 0) throw new CodeServerInstallError(run.code, run.stderr);
    return run.stdout.trim().split('\n').pop()!;
  });
  return launcher;
}

/** Private folders for one code-server: nothing is read from or written to the user's home. */
export class CodeServerProfile {
  /** Removed by `remove()`; holds every folder that was not given. */
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-code-server-'));
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** TMPDIR, XDG_RUNTIME_DIR and XDG_*_HOME: code-server leaves sockets and logs there. */
  readonly scratchDir = path.join(this.root, 'scratch');
  readonly configFile = path.join(this.root, 'config.yaml');

  /** Given folders are used (and kept); the others are made fresh under `root`. */
  constructor(given: { userDataDir?: string; extensionsDir?: string } = {}) {
    this.userDataDir = given.userDataDir ?? path.join(this.root, 'user-data');
    this.extensionsDir = given.extensionsDir ?? path.join(this.root, 'extensions');
    for (const dir of [this.userDataDir, this.extensionsDir, this.scratchDir]) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(this.configFile, '{}\n'); // without --config it writes a password file into ~/.config
  }

  /** Environment for code-server: the caller's, with every per-user state folder redirected here. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env, ...extra,
      // No marketplace: an empty gallery turns off the workbench's extension queries (offline here).
      EXTENSIONS_GALLERY: '{}',
      TMPDIR: this.scratchDir, XDG_RUNTIME_DIR: this.scratchDir,
      XDG_CONFIG_HOME: this.scratchDir, XDG_DATA_HOME: this.scratchDir, XDG_CACHE_HOME: this.scratchDir,
    };
  }

  get userSettingsFile(): string {
    return path.join(this.userDataDir, 'User', 'settings.json');
  }

  /** Writes User/settings.json. */
  writeUserSettings(settings: Record<string, unknown>): void {
    fs.mkdirSync(path.dirname(this.userSettingsFile), { recursive: true });
    fs.writeFileSync(this.userSettingsFile, JSON.stringify(settings, null, 2));
  }

  /** Installs a packaged extension the way a user does (`--install-extension`). */
  async installExtension(vsix: string): Promise<void> {
    const run = await runBounded(await codeServerBinary(), [
      '--config', this.configFile, '--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir,
      '--install-extension', vsix, '--force',
    ], { env: this.env(), timeoutMs: 120_000 });
    if (run.code !== 0 || !/was successfully installed/.test(run.stdout + run.stderr)) {
      throw new Error(`installing ${vsix} failed (exit ${run.code}):\n${tail(run.stdout + run.stderr)}`);
    }
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Settings that keep first-run pages, update checks and experiments out of the tests' way. */
export const quietUserSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export interface CodeServerOptions {
  /** Folder (or `.code-workspace` file) opened when the browser comes with no `?folder=`. */
  folder?: string;
  /** Workspace trust as a user has it (folders open in Restricted Mode); off by default. */
  workspaceTrust?: boolean;
  /** More user settings, merged over `quietUserSettings`. */
  userSettings?: Record<string, unknown>;
  /** Packaged extensions to install before starting. */
  vsix?: string[];
  /** Lets the page drive the workbench and honour `?payload=` (extension development and tests). */
  smokeTestDriver?: boolean;
  /** More code-server flags, e.g. `--disable-workspace-trust`. */
  extraArgs?: string[];
  /** Extra environment for code-server and so for the extension host. */
  env?: NodeJS.ProcessEnv;
  /** Use this profile (kept on stop, and its settings.json if it has one) instead of a fresh one. */
  profile?: CodeServerProfile;
  /** Also append code-server's own output to this file (e.g. under test-results/). */
  logFile?: string;
  startTimeoutMs?: number;
}

/** What a browser needs to open in the workbench. */
export interface OpenTarget {
  folder?: string;
  workspace?: string;
  /** The workbench's launch payload: `extensionDevelopmentPath`, `extensionTestsPath`, … */
  payload?: Array<[string, string]>;
}

export class CodeServer {
  private output = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly profile: CodeServerProfile,
    private readonly ownsProfile: boolean,
    private readonly logFile: string | undefined,
  ) {
    const collect = (chunk: string): void => {
      this.output += chunk;
      if (this.logFile) fs.appendFileSync(this.logFile, chunk);
    };
    child.stdout!.setEncoding('utf8').on('data', collect);
    child.stderr!.setEncoding('utf8').on('data', collect);
  }

  /** e.g. `http://127.0.0.1:41234/` once started. */
  baseUrl = '';

  static async start(options: CodeServerOptions = {}): Promise<CodeServer> {
    const profile = options.profile ?? new CodeServerProfile();
    let server: CodeServer | undefined;
    try {
      if (!options.profile || !fs.existsSync(profile.userSettingsFile)) {
        profile.writeUserSettings({
          ...quietUserSettings,
          'security.workspace.trust.enabled': options.workspaceTrust ?? false,
          ...options.userSettings,
        });
      }
      for (const vsix of options.vsix ?? []) await profile.installExtension(vsix);
      if (options.logFile) fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
      const args = [
        // Port 0: the kernel picks a free port, which code-server then prints (no race).
        '--bind-addr', '127.0.0.1:0', '--auth', 'none', '--disable-telemetry', '--disable-update-check',
        '--config', profile.configFile, '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir,
        ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
        ...(options.extraArgs ?? []),
        ...(options.folder ? [options.folder] : []),
      ];
      const child = spawn(await codeServerBinary(), args, {
        env: profile.env(options.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      });
      server = new CodeServer(child, profile, options.profile === undefined, options.logFile);
      await withTimeout(server.whenReady(), options.startTimeoutMs ?? 60_000, 'code-server start');
      return server;
    } catch (err) {
      if (server) {
        await server.stop();
        throw new Error(`${(err as Error).message}\ncode-server said:\n${tail(server.output)}`);
      }
      if (!options.profile) profile.remove();
      throw err;
    }
  }

  private async whenReady(): Promise<void> {
    const listening = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/;
    while (!listening.test(this.output)) {
      if (!isRunning(this.child)) throw new Error(`code-server exited early (${this.child.exitCode ?? this.child.signalCode})`);
      await delay(50);
    }
    this.baseUrl = listening.exec(this.output)![1];
    for (;;) {
      if (!isRunning(this.child)) throw new Error('code-server exited before /healthz answered');
      try {
        const response = await fetch(new URL('healthz', this.baseUrl), { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // not accepting connections yet
      }
      await delay(100);
    }
  }

  /** URL that opens `target` in the workbench. Absolute paths are on this machine. */
  url(target: OpenTarget = {}): string {
    const url = new URL(this.baseUrl);
    if (target.folder) url.searchParams.set('folder', path.resolve(target.folder));
    if (target.workspace) url.searchParams.set('workspace', path.resolve(target.workspace));
    if (target.payload) url.searchParams.set('payload', JSON.stringify(target.payload));
    return url.toString();
  }

  /** A path on this machine as the workbench names it (for payload entries). */
  remoteUri(localPath: string): string {
    const { host } = new URL(this.baseUrl);
    return `vscode-remote://${host}${encodeURI(path.resolve(localPath))}`;
  }

  /** Resolves with the exit code (or signal) when code-server ends, for whatever reason. */
  whenExited(): Promise<number | string> {
    if (!isRunning(this.child)) return Promise.resolve(this.child.exitCode ?? this.child.signalCode!);
    return new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal!)));
  }

  /** code-server's own output so far (logs, extension host errors). */
  log(): string {
    return this.output;
  }

  /** Ends code-server with everything it started, and removes the profile it created. */
  async stop(): Promise<void> {
    await killProcessGroup(this.child);
    if (this.ownsProfile) this.profile.remove();
  }
}
