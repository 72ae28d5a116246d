// ASCII armor checksum (RFC 4880 §6.1), shared by the KEYS reader and the .prov writer.

/** CRC-24 of RFC 4880 section 6.1, the armor checksum. */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** The `=XXXX` armor line for these bytes. */
export function armorChecksumLine(bytes: Uint8Array): string {
  const crc = crc24(bytes);
  return `=${Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64')}`;
}
