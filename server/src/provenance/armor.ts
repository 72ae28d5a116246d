// ASCII armor checksum (RFC 4880 §6.1), shared by the KEYS reader and the .prov writer.

/** CRC-24 of each byte value: a byte at a time instead of a bit at a time (a 46 MB flooded key took 2 s bitwise). */
const CRC24_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
    table[byte] = crc & 0xffffff;
  }
  return table;
})();

/** CRC-24 of RFC 4880 section 6.1, the armor checksum. */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) & 0xffffff) ^ CRC24_TABLE[((crc >> 16) ^ bytes[i]) & 0xff];
  return crc;
}

/** The `=XXXX` armor line for these bytes. */
export function armorChecksumLine(bytes: Uint8Array): string {
  const crc = crc24(bytes);
  return `=${Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64')}`;
}
