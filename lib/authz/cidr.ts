// IP allow lists of grants and keys: CIDR parsing once, matching per decision.
import ipaddr from "ipaddr.js";

export type ParsedCidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseCidr(cidr: string): ParsedCidr {
  const text = cidr.includes("/") ? cidr : `${cidr}/${ipaddr.parse(cidr).kind() === "ipv4" ? 32 : 128}`;
  return ipaddr.parseCIDR(text);
}

export function isValidCidr(cidr: string): boolean {
  try {
    parseCidr(cidr);
    return true;
  } catch {
    return false;
  }
}

/** True when `ip` falls in any of the ranges. IPv4-mapped IPv6 addresses count as IPv4. */
export function ipInRanges(ip: string | null | undefined, ranges: readonly ParsedCidr[]): boolean {
  if (!ip) return false;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return ranges.some(([range, bits]) => address.kind() === range.kind() && address.match(range as never, bits));
}

export function isValidIp(ip: string): boolean {
  return ipaddr.isValid(ip);
}

/** True when the range lies inside one of `outer` (same family, at least as narrow). */
export function rangeWithin([address, bits]: ParsedCidr, outer: readonly ParsedCidr[]): boolean {
  return outer.some(([range, rangeBits]) => address.kind() === range.kind() && bits >= rangeBits && address.match(range as never, rangeBits));
}

/** The addresses in both lists, as ranges: of two nested ranges the narrower, of disjoint ones none (CIDR ranges never partly overlap). */
export function intersectRanges(a: readonly ParsedCidr[], b: readonly ParsedCidr[]): ParsedCidr[] {
  const both: ParsedCidr[] = [];
  for (const x of a) {
    for (const y of b) {
      if (rangeWithin(x, [y])) both.push(x);
      else if (rangeWithin(y, [x])) both.push(y);
    }
  }
  return both;
}
