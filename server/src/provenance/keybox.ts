// GnuPG 2.1+ keyboxes (`pubring.kbx`), read without GnuPG: a sequence of blobs, each starting with
// its total length (u32, big-endian) and type. The first blob is the header (type 1, magic `KBXf` at
// bytes 8..11); OpenPGP blobs (type 2) hold one keyblock at the offset/length stored in bytes 8..15,
// relative to the blob. X.509 blobs (type 3), empty ones (type 0) and ephemeral ones (blob flag 0x0002
// at bytes 6..7: keys gpg only held while looking something up) are skipped, as GnuPG and Helm skip
// them. Never throws.
import { countWork } from './work';

export interface KeyboxContent {
  /** Each OpenPGP keyblock, with its offset in the keybox file. */
  keyblocks: { offset: number; bytes: Uint8Array }[];
  /** Why reading stopped early or a blob was skipped. */
  problems: string[];
  /** True when more than `maxKeyblocks` keyblocks were there and the rest was left unread. */
  truncated: boolean;
}

const BlobType = { empty: 0, header: 1, openpgp: 2 } as const;
const EPHEMERAL_FLAG = 0x0002;
const MIN_BLOB = 16;

function u32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) >>> 0) + (bytes[offset + 1] << 16) + (bytes[offset + 2] << 8) + bytes[offset + 3];
}

/** True when the bytes start with a keybox header blob. */
export function isKeybox(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && bytes[4] === BlobType.header
    && bytes[8] === 0x4b && bytes[9] === 0x42 && bytes[10] === 0x58 && bytes[11] === 0x66; // "KBXf"
}

/** Reads up to `maxKeyblocks` keyblocks (a hostile keybox of tiny blobs must stay bounded). */
export function readKeybox(bytes: Uint8Array, maxKeyblocks = Infinity): KeyboxContent {
  const content: KeyboxContent = { keyblocks: [], problems: [], truncated: false };
  if (!isKeybox(bytes)) {
    content.problems.push('not a GnuPG keybox: the header blob with "KBXf" is missing');
    return content;
  }
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + MIN_BLOB > bytes.length) {
      content.problems.push(`keybox ends with ${bytes.length - offset} stray bytes at offset ${offset}`);
      break;
    }
    const length = u32(bytes, offset);
    if (length < MIN_BLOB || offset + length > bytes.length) {
      content.problems.push(`keybox blob at offset ${offset} claims ${length} bytes (${bytes.length - offset} remain); the rest of the file was skipped`);
      break;
    }
    countWork('key-steps');
    const type = bytes[offset + 4];
    if (type === BlobType.openpgp && content.keyblocks.length >= maxKeyblocks) {
      content.truncated = true;
      break;
    }
    const ephemeral = ((bytes[offset + 6] << 8) | bytes[offset + 7]) & EPHEMERAL_FLAG;
    if (type === BlobType.openpgp && !ephemeral) {
      const start = u32(bytes, offset + 8);
      const size = u32(bytes, offset + 12);
      if (start < MIN_BLOB || start + size > length) {
        content.problems.push(`keybox blob at offset ${offset} points its keyblock outside the blob; skipped`);
      } else {
        content.keyblocks.push({ offset: offset + start, bytes: bytes.subarray(offset + start, offset + start + size) });
      }
    } else if (type === BlobType.header && offset !== 0) {
      content.problems.push(`second keybox header at offset ${offset}; ignored`);
    }
    offset += length;
  }
  return content;
}
