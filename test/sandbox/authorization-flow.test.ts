import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type * as client from 'openid-client';

import { openDeviceBrowser } from './support/device-browser.js';
import { buildAuthorizationRequest, discoverAsRelyingParty, exchangeCode, REDIRECT_URI } from './support/relying-party.js';
import { SIM_2, SIM_3, startTestOperator, WIFI_ADDRESS, type TestOperator } from './support/test-operator.js';

describe('sandbox operator: authorization with simulated network-based authentication', () => {
  let operator: TestOperator;
  let config: client.Configuration;

  beforeAll(async () => {
    operator = await startTestOperator();
    config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
  });
  afterAll(() => operator.close());

  it('warns loudly at start that it is not a real operator', () => {
    expect(operator.logged.warn.join('\n')).toContain('SANDBOX OPERATOR — development and tests only, not a real operator');
  });

  it('advertises RFC 9207 iss, PKCE S256 and private_key_jwt only in discovery', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(operator.sandbox.issuer);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
  });

  it('gives a device on the mobile network a code, with iss and state, that exchanges for tokens', async () => {
    const request = await buildAuthorizationRequest(config);
    const callback = await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI);

    expect(callback.searchParams.get('iss')).toBe(operator.sandbox.issuer);
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await exchangeCode(config, callback, request);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.claims()?.sub).toBe(SIM_2.phoneNumber);
  });

  it('issues a JWT access token carrying the number, amr ["nba"] and the granted scope', async () => {
    const request = await buildAuthorizationRequest(config, { scope: 'openid number-verification:verify number-verification:device-phone-number:read' });
    const tokens = await exchangeCode(config, await openDeviceBrowser(SIM_3.address).authorize(request.url, REDIRECT_URI), request);

    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: operator.sandbox.issuer, phone_number: SIM_3.phoneNumber, amr: ['nba'] });
    expect(String(claims.scope).split(' ').sort()).toEqual(['number-verification:device-phone-number:read', 'number-verification:verify']);
  });

  it('grants Vonage\'s dpv verify scope', async () => {
    const scope = 'openid dpv:FraudPreventionAndDetection#number-verification-verify-read';
    const request = await buildAuthorizationRequest(config, { scope });
    const tokens = await exchangeCode(config, await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI), request);
    expect(decodeJwt(tokens.access_token).scope).toBe('dpv:FraudPreventionAndDetection#number-verification-verify-read');
  });

  it('answers prompt=none silently, like a request without prompt', async () => {
    for (const prompt of ['none', undefined]) {
      const request = await buildAuthorizationRequest(config, { prompt });
      const callback = await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI);
      expect(callback.searchParams.get('error')).toBeNull();
      const tokens = await exchangeCode(config, callback, request);
      expect(decodeJwt(tokens.access_token).phone_number).toBe(SIM_2.phoneNumber);
    }
  });

  it('authenticates the device, not the login_hint: a hint naming another number still yields the SIM\'s own', async () => {
    const request = await buildAuthorizationRequest(config);
    request.url.searchParams.set('login_hint', 'tel:+34600000099');
    const tokens = await exchangeCode(config, await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI), request);
    expect(decodeJwt(tokens.access_token).phone_number).toBe(SIM_2.phoneNumber);
  });

  it('refuses a device that is not on the mobile network with access_denied, state and iss', async () => {
    const request = await buildAuthorizationRequest(config, { prompt: 'none' });
    const callback = await openDeviceBrowser(WIFI_ADDRESS).authorize(request.url, REDIRECT_URI);

    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toMatch(/not connected to the mobile network/);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(operator.sandbox.issuer);
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('identifies the device afresh on every authorization instead of reusing the earlier login', async () => {
    const browser = openDeviceBrowser(SIM_2.address);
    const first = await buildAuthorizationRequest(config);
    await exchangeCode(config, await browser.authorize(first.url, REDIRECT_URI), first);

    // the same browser (same session cookies) moves to WiFi, then gets another SIM
    const onWifi = openDeviceBrowser(WIFI_ADDRESS, browser.cookies());
    const second = await buildAuthorizationRequest(config);
    expect((await onWifi.authorize(second.url, REDIRECT_URI)).searchParams.get('error')).toBe('access_denied');

    const withOtherSim = openDeviceBrowser(SIM_3.address, browser.cookies());
    const third = await buildAuthorizationRequest(config);
    const tokens = await exchangeCode(config, await withOtherSim.authorize(third.url, REDIRECT_URI), third);
    expect(decodeJwt(tokens.access_token).phone_number).toBe(SIM_3.phoneNumber);
  });

  it('logs the authentications it makes without ever logging a full phone number', () => {
    const logs = [...operator.logged.info, ...operator.logged.warn].join('\n');
    expect(logs).toContain('authenticated by the network as +34*******02');
    expect(logs).not.toContain(SIM_2.phoneNumber);
    expect(logs).not.toContain(SIM_3.phoneNumber);
  });

  it('refuses an authorization request without PKCE', async () => {
    const request = await buildAuthorizationRequest(config);
    request.url.searchParams.delete('code_challenge');
    request.url.searchParams.delete('code_challenge_method');
    const callback = await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });
});

describe('sandbox operator on a dual-stack listener', () => {
  let operator: TestOperator;

  beforeAll(async () => {
    operator = await startTestOperator({ host: '::', publicHost: '127.0.0.1' });
  });
  afterAll(() => operator.close());

  it('still finds the SIM when the source address arrives IPv4-mapped (::ffff:127.0.0.2)', async () => {
    const config = await discoverAsRelyingParty(operator.sandbox.issuer, operator.jwks.keys);
    const request = await buildAuthorizationRequest(config);
    const tokens = await exchangeCode(config, await openDeviceBrowser(SIM_2.address).authorize(request.url, REDIRECT_URI), request);
    expect(decodeJwt(tokens.access_token).phone_number).toBe(SIM_2.phoneNumber);
  });
});
