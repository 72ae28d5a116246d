// Writes the text of a `.prov` file: the body Helm 4 signs, and the final clearsigned document in the
// form every verifier accepts (LF line endings, armor CRC-24 line present).
import { marshalGoYaml } from './go/yamlEmitter';
import { armorChecksumLine } from './armor';

/**
 * The cleartext Helm 4 signs: the chart metadata YAML, a `...` line, then the `files:` map with the
 * archive's SHA-256, ending in a newline (Helm 4 signs that final newline; Helm 3 did not).
 */
export function composeProvenanceBody(metadataYaml: string, archiveBasename: string, sha256Hex: string): string {
  const metadata = metadataYaml.endsWith('\n') ? metadataYaml : `${metadataYaml}\n`;
  // Go's yaml.Marshal, as Helm writes it: an unusual file name is quoted exactly as Helm would quote it.
  const files = marshalGoYaml({ files: { [archiveBasename]: `sha256:${sha256Hex.toLowerCase()}` } });
  return `${metadata}\n...\n${files}`;
}

const signatureBegin = '-----BEGIN PGP SIGNATURE-----';
const signatureEnd = '-----END PGP SIGNATURE-----';
const checksumLine = /^=[A-Za-z0-9+/]{4}$/;


/**
 * Normalises a signer's clearsigned output for a `.prov` file: LF line endings (openpgp.js writes CRLF
 * inside the cleartext; cleartext signatures are over canonical line endings, so this changes nothing
 * that is signed), a final newline, and an armor checksum recomputed over the signature bytes —
 * gpg 2.2 rejects ed25519/ECDSA signatures whose armor lacks it. Throws only when the input holds no
 * armored signature, which no signer produces on success.
 */
export function finishClearsigned(armoredFromSigner: string): string {
  const lines = armoredFromSigner.replace(/\r\n/g, '\n').split('\n');
  const begin = lines.indexOf(signatureBegin);
  const end = lines.indexOf(signatureEnd, begin + 1);
  if (begin < 0 || end < 0) throw new Error('signer output holds no armored signature');
  const blank = lines.indexOf('', begin + 1);
  if (blank < 0 || blank > end) throw new Error('signer output has an armored signature without a header end');
  const data = lines.slice(blank + 1, end).filter((line) => line !== '' && !checksumLine.test(line));
  const signatureBytes = Buffer.from(data.join(''), 'base64');
  const finished = [...lines.slice(0, blank + 1), ...data, armorChecksumLine(signatureBytes), ...lines.slice(end)];
  while (finished.length > 0 && finished[finished.length - 1] === '') finished.pop();
  return `${finished.join('\n')}\n`;
}
