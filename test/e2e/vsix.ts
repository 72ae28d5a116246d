// Packages an extension folder into a .vsix with @vscode/vsce, as `vsce package` does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createVSIX } from '@vscode/vsce';

/** Packages `extensionDir` into `<outDir>/<name>-<version>.vsix` and returns that path. */
export async function packageExtension(extensionDir: string, outDir: string): Promise<string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { name: string; version: string };
  fs.mkdirSync(outDir, { recursive: true });
  const vsix = path.join(outDir, `${manifest.name}-${manifest.version}.vsix`);
  // The two allow-flags answer vsce's interactive questions, which would hang a headless run.
  await createVSIX({
    cwd: extensionDir, packagePath: vsix, dependencies: false, allowMissingRepository: true, skipLicense: true,
  });
  if (!fs.existsSync(vsix)) throw new Error(`vsce wrote no ${vsix}`);
  return vsix;
}
