// Calls to the sandbox's Number Verification API, as the broker makes them.
import { sendFromDevice, type DeviceResponse } from './http.js';

export interface ApiCall {
  token?: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse extends DeviceResponse {
  json: unknown;
}

export async function callNumberVerification(
  issuer: string,
  endpoint: 'verify' | 'device-phone-number',
  { token, body, headers = {} }: ApiCall = {},
): Promise<ApiResponse> {
  const response = await sendFromDevice(`${issuer}/number-verification/v2/${endpoint}`, {
    method: endpoint === 'verify' ? 'POST' : 'GET',
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body,
  });
  return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
}
