// The extension's output channel log (what was checked, the protocol trace), kept as a test artifact.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Copies every `Helm Provenance.log` under a code-server profile into `artifactsDir`. */
export function saveExtensionLogs(profileRoot: string, artifactsDir: string): void {
  for (const entry of fs.readdirSync(profileRoot, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name === 'Helm Provenance.log') {
      fs.mkdirSync(artifactsDir, { recursive: true });
      fs.copyFileSync(path.join(entry.parentPath, entry.name), path.join(artifactsDir, entry.name));
    }
  }
}
