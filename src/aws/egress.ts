import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

// Where a connector's custom endpoint may point. With HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS on, a tenant
// names the host Hubgraph sends signed requests to; without this check that is a way into the
// service's own network: the instance metadata service, loopback, private ranges. Such addresses are
// refused unless the operator lists them (HUBGRAPH_ENDPOINT_ALLOWLIST), and the check runs on the
// address a connection actually uses, after DNS, so a name that re-resolves cannot slip past.

/** Ranges no tenant reaches by default (IANA special-purpose registries, and cloud metadata). */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

export class EgressNotAllowedError extends Error {
  readonly code = 'EgressNotAllowed';
  constructor(host: string, address: string, reason: 'internal' | 'plain-http' = 'internal') {
    const where = address === host ? host : `${host} (${address})`;
    super(
      reason === 'internal'
        ? `${where} is in a private, loopback, link-local or metadata range: a connector may not send requests there. An operator can allow it with HUBGRAPH_ENDPOINT_ALLOWLIST (e.g. ${address}/32 for an emulator).`
        : `${where} is reached over plain HTTP, and this connector signs with Hubgraph's own AWS identity: use https://, or an operator can trust the address with HUBGRAPH_ENDPOINT_ALLOWLIST.`,
    );
    this.name = 'EgressNotAllowedError';
  }
}

/**
 * What a connection may reach: internal ranges only where listed; with `onlyListed` (Hubgraph's own
 * identity over plain HTTP), nothing but what the operator listed.
 */
export interface EgressRule {
  allowed: BlockList;
  onlyListed: boolean;
}

/** The operator's allow-list: addresses or CIDRs, e.g. `127.0.0.1`, `10.20.0.0/16`, `fd00::/8`. */
export function allowListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(prefix), type);
  }
  return list;
}

/** Why a connection to this IP address is refused, or undefined. IPv4-mapped IPv6 is judged as IPv4. */
export function egressRefusal(address: string, rule: EgressRule): EgressNotAllowedError['code'] | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const type = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  if (rule.allowed.check(ip, type)) return undefined;
  return rule.onlyListed || INTERNAL.check(ip, type) ? 'EgressNotAllowed' : undefined;
}

function refusalError(host: string, address: string): EgressNotAllowedError {
  const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  return new EgressNotAllowedError(host, address, INTERNAL.check(address, type) ? 'internal' : 'plain-http');
}

/** Refuses an IP-literal host at once (connections to literals skip DNS, and so `checkedLookup`). */
export function assertLiteralAllowed(host: string, rule: EgressRule): void {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0 && egressRefusal(bare, rule)) throw refusalError(host, bare);
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** dns.lookup for an HTTP agent that refuses internal addresses, checked on what the socket will use. */
export function checkedLookup(rule: EgressRule) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true } as LookupAllOptions, (error, addresses) => {
      if (error) return callback(error, '');
      const refused = addresses.find((entry) => egressRefusal(entry.address, rule));
      if (refused) return callback(refusalError(hostname, refused.address), '');
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves a host and refuses it when any of its addresses is internal (for checks before connecting). */
export async function assertHostAllowed(host: string, rule: EgressRule): Promise<void> {
  assertLiteralAllowed(host, rule);
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return;
  await new Promise<void>((resolve, reject) =>
    checkedLookup(rule)(host, { all: true }, (error) => (error ? reject(error) : resolve())),
  );
}
