// Document links from a `.prov` file's `files:` entries to the archive they name, next to the `.prov`.
import * as path from 'node:path';
import type { DocumentLink } from 'vscode-languageserver/node';
import type { ProvDocument } from '../provenance/provDocument';
import { pathToUri } from './uris';

/** Only a plain file name is linked: a name with a path in it would point somewhere the signer never meant. */
function plainName(name: string): boolean {
  return name !== '.' && name !== '..' && name.length > 0 && !/[/\\\u0000-\u001f]/.test(name);
}

export function provLinks(doc: ProvDocument, provPath: string): DocumentLink[] {
  return doc.files.filter((f) => plainName(f.name)).map((f) => ({
    range: f.nameRange,
    target: pathToUri(path.join(path.dirname(provPath), f.name)),
    tooltip: 'Open the archive this entry signs',
  }));
}
