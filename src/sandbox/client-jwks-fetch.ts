// oidc-provider fetches client JWKS through an SSRF-protected dispatcher that refuses loopback and private
// addresses, which is exactly where the broker runs in development and tests. The sandbox never fetches
// anything else (no dynamic registration, no request_uri), so it swaps that protection for a stricter
// rule: only the JWKS URLs of the configured clients may be fetched at all.

type Fetch = (url: string, options: RequestInit & { dispatcher?: unknown }) => Promise<Response>;

/** A `fetch` for oidc-provider's configuration that reaches only the given URLs. */
export function createClientJwksFetch(jwksUris: readonly string[]): Fetch {
  const allowed = new Set(jwksUris.map((uri) => new URL(uri).href));
  return async (url, { dispatcher: _ssrfDispatcher, ...options }) => {
    if (!allowed.has(url)) throw new Error(`sandbox: refusing to fetch ${url}, not a registered client jwks_uri`);
    return fetch(url, options);
  };
}
