/**
 * RETURN_URL_PREFIXES, parsed once at start into values the returnUrl check compares field by field
 * (src/flows/return-url.ts); a raw string prefix would let `https://app.example.com.evil.com` through.
 *
 * Rules:
 * - an http(s) prefix names one exact origin (scheme, host, port) and a path; the path matches on a segment
 *   boundary, and a trailing `/` changes nothing (`/cb` and `/cb/` both allow `/cb` and `/cb/x`, never `/cbx`);
 * - an app deep link (`com.example.app://verified`) names a custom scheme, a host and a path, matched the same way;
 * - anything else stops the broker at start: javascript:, data:, file: and other browser schemes, no scheme,
 *   credentials, a query or a fragment (a prefix is a place, never a pattern).
 */
export type ReturnUrlPrefix =
  | { kind: 'web'; origin: string; path: string }
  | { kind: 'app'; scheme: string; host: string; path: string };

/** schemes a browser or the OS gives meaning to: never an app of ours */
const REFUSED_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:', 'filesystem:', 'ftp:', 'ws:', 'wss:', 'mailto:', 'tel:', 'sms:', 'intent:']);
const CUSTOM_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A path without its trailing slashes: the segments every allowed path starts with. */
export function pathBase(path: string): string {
  return path.replace(/\/+$/, '');
}

/** Parses one prefix, or returns why it is refused. */
export function parseReturnUrlPrefix(raw: string): ReturnUrlPrefix | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not an absolute URL`;
  }
  if (url.username || url.password) return `"${raw}" carries credentials`;
  if (raw.includes('#')) return `"${raw}" has a fragment`;
  if (raw.includes('?')) return `"${raw}" has a query`;
  if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'web', origin: url.origin, path: pathBase(url.pathname) };
  if (REFUSED_SCHEMES.has(url.protocol) || !CUSTOM_SCHEME.test(raw)) {
    return `"${raw}" is neither an http(s) URL nor an app deep link (scheme://host/path)`;
  }
  return { kind: 'app', scheme: url.protocol, host: url.host, path: pathBase(url.pathname) };
}
