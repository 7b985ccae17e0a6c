// Calls to the sandbox's fraud-signal and OTP APIs and the tokens for them, as the broker will make them:
// 2-legged tokens from the real token endpoint (client credentials, private_key_jwt), 3-legged ones from the
// real authorization flow on a SIM, and minted ones for the cases a real client cannot produce.
import * as client from 'openid-client';

import { openDeviceBrowser } from './device-browser.js';
import { sendFromDevice } from './http.js';
import { buildAuthorizationRequest, discoverAsRelyingParty, exchangeCode, REDIRECT_URI } from './relying-party.js';
import type { TestOperator } from './test-operator.js';
import type { ApiResponse } from './api.js';

export async function postCamara(url: string, { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse> {
  const response = await sendFromDevice(url, {
    method: 'POST',
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body ?? {}),
  });
  return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
}

/** A 2-legged token: client credentials at the sandbox's token endpoint, authenticated with private_key_jwt. */
export async function clientCredentialsToken(operator: TestOperator, scope: string): Promise<client.TokenEndpointResponse> {
  const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
  return client.clientCredentialsGrant(config, { scope });
}

/** A 3-legged token: the authorization-code flow from the device with the SIM at `address`. */
export async function authorizationCodeToken(operator: TestOperator, address: string, scope: string): Promise<string> {
  const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
  const request = await buildAuthorizationRequest(config, { scope: `openid ${scope}` });
  const tokens = await exchangeCode(config, await openDeviceBrowser(address).authorize(request.url, REDIRECT_URI), request);
  return tokens.access_token;
}
