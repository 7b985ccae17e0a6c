import type { ReturnUrlPrefix } from '../config/return-url-prefixes.js';
import { InvalidArgument } from '../errors.js';

/**
 * returnUrl rules (no open redirect), compared on the parsed, normalised URL (dot-segments resolved):
 * - an absolute URL without credentials or fragment;
 * - http(s): the exact origin of an http(s) prefix (scheme, host, port), then its path on a segment boundary;
 * - any other scheme: only an app deep link that a custom-scheme prefix allows (scheme, host, path segments);
 * - no encoded `/`, `\` or `.` in the path: a server that decodes them could climb out of the allowed path.
 */
export function checkReturnUrl(deps: { config: { returnUrlPrefixes: readonly ReturnUrlPrefix[] } }, returnUrl: string | undefined): string | undefined {
  if (returnUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(returnUrl);
  } catch {
    throw new InvalidArgument('returnUrl must be an absolute URL.');
  }
  if (url.username || url.password || returnUrl.includes('#')) throw new InvalidArgument('returnUrl must be a URL without credentials or fragment.');
  if (/%(2f|5c|2e)/i.test(url.pathname) || !deps.config.returnUrlPrefixes.some((prefix) => allows(prefix, url))) {
    throw new InvalidArgument('returnUrl is not one of the allowed return URLs.');
  }
  return url.href;
}

function allows(prefix: ReturnUrlPrefix, url: URL): boolean {
  const sameTarget =
    prefix.kind === 'web'
      ? (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === prefix.origin
      : url.protocol === prefix.scheme && url.host === prefix.host;
  return sameTarget && (url.pathname === prefix.path || url.pathname.startsWith(`${prefix.path}/`));
}
