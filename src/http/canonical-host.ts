import type { RequestHandler } from 'express';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * One host name in development: a browser that opens the sample at http://127.0.0.1:3000 while PUBLIC_URL
 * says http://localhost:3000 keeps its session cookie on 127.0.0.1, but the operator sends it back to
 * PUBLIC_URL/callback on localhost, where that cookie does not exist: the silent check succeeds and the
 * result page then says "started in another browser".
 *
 * Rules:
 * - only page loads are moved: GET or HEAD from a browser that accepts HTML (fetch() calls of the pages
 *   ask for JSON and are never redirected; a cross-origin redirect would break them);
 * - only between names of this same machine (localhost, 127.x, ::1): PUBLIC_URL names that host too, so
 *   the redirect surely reaches the broker. A phone on the LAN (192.168.x.y) is never sent to "localhost",
 *   which is its own phone; the sample pages explain instead (sandbox info gives them PUBLIC_URL);
 * - the target is PUBLIC_URL's origin plus the path and query asked for (a same-broker path: no open redirect).
 */
export function canonicalHost(publicUrl: string): RequestHandler {
  const canonical = new URL(publicUrl);
  // decided once: a PUBLIC_URL that is not this machine's name never moves anyone
  if (!isLoopbackName(canonical.hostname)) return (_req, _res, next) => next();
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const host = req.get('host');
    if (!host) return next();
    let asked: URL;
    try {
      asked = new URL(`http://${host}`);
    } catch {
      return next();
    }
    if (asked.hostname === canonical.hostname || !isLoopbackName(asked.hostname)) return next();
    if (!req.get('accept')?.includes('text/html')) return next();
    res.set('Cache-Control', 'no-store').redirect(307, `${canonical.origin}${req.originalUrl}`);
  };
}
