// The sandbox's authorization server: oidc-provider configured as a CAMARA operator expects it.
import { randomBytes } from 'node:crypto';

import Provider, { errors, type ProviderContext, type Token } from 'oidc-provider';

import { createClientJwksFetch } from './client-jwks-fetch.js';
import { createProviderStore } from './provider-store.js';
import type { SandboxClient } from './options.js';
import { NUMBER_VERIFICATION_SCOPES, numberVerificationResource } from './resource-server.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';
import { TELCO_FINDER_SCOPE, telcoFinderResource } from './telco-finder.js';

/** Where oidc-provider sends the browser to log in; `interactions.ts` answers there without any UI. */
export const INTERACTION_PATH = '/interaction';

const ACCESS_TOKEN_TTL_SECONDS = 3600;

/**
 * Builds the authorization server for a known issuer URL.
 *
 * - clients authenticate with `private_key_jwt` only; oidc-provider accepts an assertion `aud` of the
 *   issuer or the token endpoint URL (the CAMARA profile sends the latter);
 * - PKCE is required for every client (`S256` is the only method oidc-provider 9 supports);
 * - the authorization response carries `iss` (RFC 9207, advertised in discovery);
 * - access tokens are JWTs for the Number Verification API, carrying the subscriber's `phone_number` and the
 *   `amr` of the authentication; client credentials get JWTs for the Telco Finder API (scope `telcofinder`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636 PKCE
 * @see https://www.rfc-editor.org/rfc/rfc9207 Authorization Server Issuer Identification
 * @see https://www.rfc-editor.org/rfc/rfc9068 JWT Profile for OAuth 2.0 Access Tokens
 * @see https://github.com/camaraproject/IdentityAndConsentManagement CAMARA Security and Interoperability Profile
 */
export function createProvider(issuer: string, clients: readonly SandboxClient[], keys: SigningKeys): Provider {
  const resource = numberVerificationResource(issuer);
  const telcoFinder = telcoFinderResource(issuer);
  return new Provider(issuer, {
    adapter: createProviderStore(),
    clients: clients.map(toClientMetadata),
    jwks: { keys: [keys.privateJwk] },
    // signs oidc-provider's own cookies; nothing outlives the process, so a random key per start will do
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientAuthMethods: ['private_key_jwt'],
    responseTypes: ['code'],
    scopes: ['openid'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // a client-credentials token is for the Telco Finder; an authorization code's for Number Verification
        defaultResource: (ctx: ProviderContext) => (ctx.oidc.params?.grant_type === 'client_credentials' ? telcoFinder : resource),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator === telcoFinder) {
            return { scope: TELCO_FINDER_SCOPE, audience: telcoFinder, accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS, accessTokenFormat: 'jwt', jwt: { sign: { alg: SIGNING_ALG } } };
          }
          if (indicator !== resource) throw new errors.InvalidTarget();
          return {
            scope: NUMBER_VERIFICATION_SCOPES.join(' '),
            audience: resource,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: SIGNING_ALG } },
          };
        },
      },
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    // the account id is the subscriber's number: the sandbox has no subscriber database to look up
    findAccount: (_ctx: unknown, accountId: string) => ({ accountId, claims: () => ({ sub: accountId }) }),
    extraTokenClaims: (ctx: ProviderContext, token: Token) =>
      token.kind === 'AccessToken' && token.accountId
        ? { phone_number: token.accountId, amr: ctx.oidc.entities.AuthorizationCode?.amr ?? [] }
        : undefined,
    fetch: createClientJwksFetch(clients.map((client) => client.jwksUri)),
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 300,
      Session: 300,
      Grant: 300,
    },
  });
}

function toClientMetadata(client: SandboxClient): Record<string, unknown> {
  return {
    client_id: client.clientId,
    jwks_uri: client.jwksUri,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['authorization_code', 'client_credentials'],
    response_types: ['code'],
  };
}
