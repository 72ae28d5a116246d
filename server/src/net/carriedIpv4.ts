// The IPv4 addresses an IPv6 address carries: a connection to it may end at one of them (a NAT64
// translator, a 6to4 or Teredo relay, this machine's own stack for mapped addresses), so boundedHttp.ts's
// zoneOf judges it by them too. Formats: RFC 4291 (mapped, compatible), RFC 2765 (translated),
// RFC 6052 and 8215 (NAT64), RFC 3056 (6to4), RFC 4380 (Teredo).

/** The 16 bytes of an IPv6 literal that net.isIP accepts, without brackets or zone. */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const first = head ? head.split(':') : [];
  const last = tail ? tail.split(':') : [];
  const groups = [...first, ...Array<string>(8 - first.length - last.length).fill('0'), ...last].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

const zero = (bytes: number[], from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
const dottedQuad = (bytes: number[]) => bytes.join('.');

/**
 * The IPv4 address `address` (an IPv6 literal) carries, if any. Not the local-use NAT64 prefix
 * 64:ff9b:1::/48: its length (48 to 96 bits), so where the IPv4 address sits, is not in the address.
 */
export function carriedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  const last32 = b.slice(12);
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated), ::a.b.c.d (compatible, deprecated; also :: and ::1).
  if (zero(b, 0, 10) && ((b[10] === 0xff && b[11] === 0xff) || zero(b, 10, 12))) return dottedQuad(last32);
  if (zero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zero(b, 10, 12)) return dottedQuad(last32);
  // The well-known NAT64 prefix 64:ff9b::/96, which may carry private addresses too (RFC 6052's ban on that is being lifted).
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(b, 4, 12)) return dottedQuad(last32);
  // 6to4: 2002:AABB:CCDD::/48 is the site behind IPv4 address AA.BB.CC.DD.
  if (b[0] === 0x20 && b[1] === 0x02) return dottedQuad(b.slice(2, 6));
  // Teredo: 2001:0::/32, the client's IPv4 address in the last 32 bits, inverted.
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return dottedQuad(last32.map((x) => x ^ 0xff));
  return undefined;
}
