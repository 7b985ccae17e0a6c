import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a per-client limit counts under. Rules:
 * - IPv4: the address itself; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, which a dual-stack socket
 *   reports for IPv4 clients) counts as that IPv4 address;
 * - IPv6: the /64 the address is in, written in full (`2001:db8:0:0::/64`): one subscriber, one home or
 *   one phone gets a whole /64 and can pick any address in it, so per-address counting would be no limit;
 * - anything else (no address known) counts under one shared key, so it cannot dodge the limit.
 * @see RFC 6177 (a /64 or more per end site), RFC 4291 §2.5.5.2 (IPv4-mapped addresses)
 */
export function clientNetworkOf(ip: string | undefined): string {
  const address = (ip ?? '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `${groupsOf(address).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

/** the eight 16-bit groups of an IPv6 address, without leading zeros (`::` expanded, an IPv4 tail as two groups) */
function groupsOf(address: string): string[] {
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = ipv4Tail
    ? address.slice(0, ipv4Tail.index) + [((+ipv4Tail[1] << 8) | +ipv4Tail[2]).toString(16), ((+ipv4Tail[3] << 8) | +ipv4Tail[4]).toString(16)].join(':')
    : address;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => parseInt(group, 16).toString(16));
}
