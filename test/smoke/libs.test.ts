import { describe, it, expect } from '@jest/globals';
import Provider from 'oidc-provider';
import * as client from 'openid-client';
import * as jose from 'jose';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

describe('libraries load under ESM jest', () => {
  it('oidc-provider, openid-client, jose, libphonenumber-js', async () => {
    const p = new Provider('http://localhost:1', { clients: [{ client_id: 'a', redirect_uris: ['http://localhost/cb'], token_endpoint_auth_method: 'none' }] });
    expect(p.issuer).toBe('http://localhost:1');
    expect(typeof client.discovery).toBe('function');
    const k = await jose.generateKeyPair('ES256');
    expect(k.privateKey).toBeDefined();
    expect(parsePhoneNumberFromString('+34600000002')?.isValid()).toBe(true);
  });
});
