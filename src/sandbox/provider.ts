// The sandbox's authorization server: oidc-provider configured as a CAMARA operator expects it.
import { randomBytes } from 'node:crypto';

import Provider, { errors, type ProviderContext, type Token } from 'oidc-provider';

import { createClientJwksFetch } from './client-jwks-fetch.js';
import { createProviderStore } from './provider-store.js';
import type { SandboxClient } from './options.js';
import { API_SCOPES, apiResource, TWO_LEGGED_SCOPES } from './resource-server.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

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
 * - access tokens are JWTs for the one resource server, the sandbox's APIs at the apiRoot; a 3-legged one
 *   (authorization code) carries the subscriber's `phone_number` and the `amr` of the authentication;
 * - a 2-legged one (client credentials, RFC 6749 §4.4) names no subscriber and may carry only the scopes of
 *   the APIs that take a `phoneNumber` (SIM Swap, Number Recycling, One Time Password SMS) and the Telco Finder (scope `telcofinder`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636 PKCE
 * @see https://www.rfc-editor.org/rfc/rfc9207 Authorization Server Issuer Identification
 * @see https://www.rfc-editor.org/rfc/rfc9068 JWT Profile for OAuth 2.0 Access Tokens
 * @see https://github.com/camaraproject/IdentityAndConsentManagement CAMARA Security and Interoperability Profile
 */
export function createProvider(issuer: string, clients: readonly SandboxClient[], keys: SigningKeys): Provider {
  const resource = apiResource(issuer);
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
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx: ProviderContext, indicator: string) => {
          if (indicator !== resource) throw new errors.InvalidTarget();
          // oidc-provider keeps only the requested scopes the resource server lists: a client credentials
          // token asking for Number Verification gets no such scope
          const twoLegged = ctx.oidc.params?.grant_type === 'client_credentials';
          return {
            scope: (twoLegged ? TWO_LEGGED_SCOPES : API_SCOPES).join(' '),
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
      ClientCredentials: ACCESS_TOKEN_TTL_SECONDS,
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
