// The sandbox token endpoint's JWT-bearer grant (RFC 7523 §2.1) for presentations of the carrier's TS.43 credential
// (issue 18): `sub=vp_token:<SD-JWT>` as in CAMARA's operator-token acquisition draft (a draft, may change). It runs
// before oidc-provider, which does not know this grant; every other grant goes on to oidc-provider unchanged.
import express, { type RequestHandler } from 'express';
import * as jose from 'jose';

import { mintAccessToken } from './access-token.js';
import type { CredentialAggregator } from './credential-aggregator.js';
import type { SandboxClient } from './options.js';
import { NETWORK_AUTHENTICATION_AMR, SCOPES_ALLOWING_DEVICE_PHONE_NUMBER, SCOPES_ALLOWING_VERIFY } from './resource-server.js';
import type { SigningKeys } from './signing-keys.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const VP_TOKEN_PREFIX = 'vp_token:';
/** RFC 7523 / CAMARA profile: an assertion lives at most this long */
const MAX_ASSERTION_SECONDS = 300;
const TOKEN_SECONDS = 300;
const GRANTABLE = new Set<string>([...SCOPES_ALLOWING_VERIFY, ...SCOPES_ALLOWING_DEVICE_PHONE_NUMBER]);

/**
 * Rules:
 * - only `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an `assertion` is handled here; the body is
 *   read raw and, for any other grant, handed to oidc-provider as the buffer it would have read;
 * - the assertion is the client authentication: `iss` a registered client, signed by a key of its jwks_uri, `aud`
 *   the token endpoint, `exp` within MAX_ASSERTION_SECONDS of `iat`, a `jti` never seen before → else invalid_client
 *   (or invalid_grant for a replayed jti);
 * - `sub` is `vp_token:<SD-JWT>`, a presentation the aggregator redeems (credential-aggregator.ts) → else
 *   invalid_grant; the access token is for the SIM its TS.43 token names, with the Number Verification scopes asked
 *   for, and `amr: ["nba"]` (the carrier's entitlement server authenticated the SIM: network-based);
 * - the `token` faults (faults.ts) apply, as they are mounted before this.
 */
export function jwtBearerGrant(deps: { issuer: string; tokenEndpoint: string; keys: SigningKeys; clients: readonly SandboxClient[]; aggregator: CredentialAggregator }): RequestHandler[] {
  const jwks = new Map(deps.clients.map((c) => [c.clientId, jose.createRemoteJWKSet(new URL(c.jwksUri))]));
  const seenJti = new Map<string, number>();
  const handle: RequestHandler = async (req, res, next) => {
    const params = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    if (params.get('grant_type') !== JWT_BEARER) return next();
    res.set('Cache-Control', 'no-store');
    const refuse = (status: number, error: string, description: string) => res.status(status).json({ error, error_description: description });
    const assertion = params.get('assertion') ?? '';
    let claims: jose.JWTPayload;
    try {
      const clientId = jose.decodeJwt(assertion).iss;
      const keySet = clientId === undefined ? undefined : jwks.get(clientId);
      if (!keySet) return refuse(401, 'invalid_client', 'unknown client');
      ({ payload: claims } = await jose.jwtVerify(assertion, keySet, { issuer: clientId, audience: deps.tokenEndpoint, requiredClaims: ['exp', 'iat', 'jti', 'sub'] }));
    } catch {
      return refuse(401, 'invalid_client', 'the assertion does not verify');
    }
    if (claims.exp! - claims.iat! > MAX_ASSERTION_SECONDS) return refuse(400, 'invalid_grant', 'the assertion lives too long');
    const now = Date.now();
    for (const [jti, until] of seenJti) if (until < now) seenJti.delete(jti);
    if (seenJti.has(claims.jti!)) return refuse(400, 'invalid_grant', 'jti already used');
    seenJti.set(claims.jti!, claims.exp! * 1000);
    if (!claims.sub!.startsWith(VP_TOKEN_PREFIX)) return refuse(400, 'invalid_grant', 'sub must be vp_token:<SD-JWT>');
    const redeemed = await deps.aggregator.redeem(claims.sub!.slice(VP_TOKEN_PREFIX.length));
    if ('refused' in redeemed) return refuse(400, 'invalid_grant', `the presentation is refused (${redeemed.refused})`);
    const asked = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    const scope = asked.filter((s) => GRANTABLE.has(s)).join(' ');
    const accessToken = await mintAccessToken(deps.keys, deps.issuer, {
      phoneNumber: redeemed.phoneNumber,
      clientId: claims.iss!,
      scope,
      amr: [NETWORK_AUTHENTICATION_AMR],
      expiresInSeconds: TOKEN_SECONDS,
    });
    res.json({ access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_SECONDS, scope });
  };
  // oidc-provider takes an already-read form body as this Buffer (lib/shared/selective_body.js)
  return [express.raw({ type: 'application/x-www-form-urlencoded', limit: '64kb' }), handle];
}
