import { isIPv4, isIPv6 } from 'node:net';

// IPv4 and IPv6 addresses and CIDR blocks, parsed into numbers so that containment can compare
// them: normalise what a user typed (`2001:DB8::1` -> `2001:db8::1/128`), tell whether two blocks
// overlap, and name the private or reserved range a block falls in. Pure.

export interface Cidr {
  version: 4 | 6;
  /** The network address (host bits cleared). */
  network: bigint;
  prefix: number;
  /** Canonical text: lowercase, IPv6 compressed as RFC 5952 says, always with its prefix. */
  text: string;
}

const bitsOf = (version: 4 | 6) => (version === 4 ? 32 : 128);

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function parseIPv6(text: string): bigint {
  let address = text.toLowerCase();
  // An IPv4 tail (::ffff:192.0.2.1) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) {
    const value = parseIPv4(v4[1]!);
    address = `${address.slice(0, v4.index)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function formatIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
  // The longest run of two or more zero groups becomes `::` (the first such run on a tie).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** A CIDR block or a single address (as /32 or /128); null when it is neither. */
export function parseCidr(input: string): Cidr | null {
  const trimmed = input.trim();
  const slash = trimmed.indexOf('/');
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const version = isIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : null;
  if (version === null) return null;
  const bits = bitsOf(version);
  let prefix = bits;
  if (slash >= 0) {
    const text = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(text)) return null;
    prefix = Number(text);
    if (prefix > bits) return null;
  }
  const value = version === 4 ? parseIPv4(address) : parseIPv6(address);
  const network = value & maskOf(bits, prefix);
  return {
    version,
    network,
    prefix,
    text: `${version === 4 ? formatIPv4(network) : formatIPv6(network)}/${prefix}`,
  };
}

function maskOf(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

/** Whether `outer` holds every address of `inner`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.version === inner.version &&
    outer.prefix <= inner.prefix &&
    (inner.network & maskOf(bitsOf(outer.version), outer.prefix)) === outer.network
  );
}

/** Whether two blocks share an address (one then holds the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** Ranges no hostile Internet address comes from (RFC 6890 and its successors). */
const RESERVED: readonly [string, string][] = [
  ['0.0.0.0/8', 'this network'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'carrier-grade NAT shared space (RFC 6598)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (includes the instance metadata service)'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'IPv4-mapped'],
  ['fc00::/7', 'unique local (private)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

const RESERVED_CIDRS = RESERVED.map(([text, name]) => ({ cidr: parseCidr(text)!, name }));

/** The private or reserved range a block overlaps, if any: blocking it could cut off the account's own traffic. */
export function reservedRangeOf(cidr: Cidr): { range: string; name: string } | null {
  const hit = RESERVED_CIDRS.find((reserved) => overlaps(reserved.cidr, cidr));
  return hit ? { range: hit.cidr.text, name: hit.name } : null;
}
