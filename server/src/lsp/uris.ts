// File uris ↔ paths. The server works on local files only; other schemes (untitled:, git:) have no
// sibling archive to check and are handled as plain text where that makes sense.
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}
