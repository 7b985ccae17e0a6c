// A relying party as the broker is one: private_key_jwt with its keys served from its own JWKS URL,
// PKCE S256, state, and openid-client doing the checks (including RFC 9207 `iss`).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import * as client from 'openid-client';

export const CLIENT_ID = 'broker-under-test';
export const REDIRECT_URI = 'http://localhost:9/callback';

export interface RelyingPartyKeys {
  kid: string;
  privateKey: CryptoKey;
}

export interface JwksServer {
  url: string;
  keys: RelyingPartyKeys;
  close(): Promise<void>;
}

/** Serves a fresh ES256 public key at `/jwks` on loopback, as the broker serves its JWKS. */
export async function startJwksServer(): Promise<JwksServer> {
  const keys = await generateRelyingPartyKeys('broker-key-1');
  const publicJwk = { ...(await exportJWK(keys.publicKey)), kid: keys.kid, alg: 'ES256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    keys: { kid: keys.kid, privateKey: keys.privateKey },
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

export async function generateRelyingPartyKeys(kid: string): Promise<RelyingPartyKeys & { publicKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicKey };
}

export type AssertionAudience = 'token-endpoint' | 'issuer';

/** Discovers the sandbox and signs client assertions with `keys`, addressed like the CAMARA profile says. */
export async function discoverAsRelyingParty(
  issuer: string,
  keys: RelyingPartyKeys,
  audience: AssertionAudience = 'token-endpoint',
): Promise<client.Configuration> {
  let tokenEndpoint = '';
  const config = await client.discovery(
    new URL(issuer),
    CLIENT_ID,
    undefined,
    client.PrivateKeyJwt(
      { key: keys.privateKey, kid: keys.kid },
      { [client.modifyAssertion]: (_header, payload) => { payload.aud = audience === 'token-endpoint' ? tokenEndpoint : issuer; } },
    ),
    { execute: [client.allowInsecureRequests] },
  );
  tokenEndpoint = String(config.serverMetadata().token_endpoint);
  return config;
}

export interface AuthorizationRequest {
  url: URL;
  state: string;
  codeVerifier: string;
}

export async function buildAuthorizationRequest(
  config: client.Configuration,
  { scope = 'openid number-verification:verify', prompt }: { scope?: string; prompt?: string } = {},
): Promise<AuthorizationRequest> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...(prompt === undefined ? {} : { prompt }),
  });
  return { url, state, codeVerifier };
}

/** Exchanges the code in `callbackUrl`; openid-client checks `state`, `iss`, PKCE and the ID token. */
export function exchangeCode(config: client.Configuration, callbackUrl: URL, request: AuthorizationRequest) {
  return client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: request.codeVerifier,
    expectedState: request.state,
  });
}
