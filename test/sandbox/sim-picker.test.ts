import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import type * as client from 'openid-client';

import { openDeviceBrowser } from './support/device-browser.js';
import { sendFromDevice } from './support/http.js';
import { buildAuthorizationRequest, discoverAsRelyingParty, exchangeCode, REDIRECT_URI } from './support/relying-party.js';
import { SIM_2, SIM_3, startTestOperator, WIFI_ADDRESS, type TestOperator } from './support/test-operator.js';

describe('sandbox SIM picker (/sim) for desktop browsers', () => {
  let operator: TestOperator;
  let issuer: string;
  let config: client.Configuration;

  beforeAll(async () => {
    operator = await startTestOperator();
    issuer = operator.sandbox.issuer;
    config = await discoverAsRelyingParty(issuer, operator.jwks.keys);
  });
  afterAll(() => operator.close());

  const choose = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    sendFromDevice(`${issuer}/sim`, {
      method: 'POST',
      localAddress: WIFI_ADDRESS,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });

  it('shows a button per SIM, a free number field and WiFi, says it is a sandbox, and runs no script', async () => {
    const page = await sendFromDevice(`${issuer}/sim`, { localAddress: WIFI_ADDRESS });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Cellular with SIM +34600000002');
    expect(page.body).toContain('Cellular with SIM +34600000003');
    expect(page.body).toContain('WiFi (no mobile network)');
    expect(page.body).toMatch(/<input[^>]+name="phoneNumber"/);
    expect(page.body).toMatch(/SANDBOX OPERATOR, for development and tests only/);
    expect(page.body).not.toMatch(/<script/i);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
  });

  it('stores the choice in an httpOnly, SameSite=Lax cookie and returns to a same-origin next path', async () => {
    const response = await choose({ choice: SIM_3.phoneNumber, next: '/auth?client_id=x' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/auth?client_id=x');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^sandbox_sim=%2B34600000003;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it.each(['//evil.example/steal', 'http://evil.example/', '/\\evil.example', 'https:evil.example', 'javascript:alert(1)'])(
    'does not redirect to %s (no open redirect)',
    async (next) => {
      const response = await choose({ choice: 'wifi', next });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/sim');
    },
  );

  it('carries a same-origin next from the page URL into its forms, and drops another site\'s', async () => {
    const same = await sendFromDevice(`${issuer}/sim?next=${encodeURIComponent('/auth?x=1')}`, { localAddress: WIFI_ADDRESS });
    expect(same.body).toContain('name="next" value="/auth?x=1"');
    const other = await sendFromDevice(`${issuer}/sim?next=${encodeURIComponent('https://evil.example/')}`, { localAddress: WIFI_ADDRESS });
    expect(other.body).not.toContain('name="next"');
  });

  it('accepts a free-text number and refuses one that is not E.164', async () => {
    const accepted = await choose({ choice: 'other', phoneNumber: '+447700900123' });
    expect(String(accepted.headers['set-cookie'])).toMatch(/^sandbox_sim=%2B447700900123;/);
    const refused = await choose({ choice: 'other', phoneNumber: '0044 7700 900123' });
    expect(refused.status).toBe(400);
    expect(refused.headers['set-cookie']).toBeUndefined();
  });

  it('forgets the choice on request', async () => {
    const response = await choose({ choice: 'address' });
    expect(String(response.headers['set-cookie'])).toMatch(/^sandbox_sim=;.*Max-Age=0/);
  });

  it('refuses a choice posted from another site', async () => {
    const response = await choose({ choice: 'wifi' }, { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('lets a browser on WiFi authenticate as the SIM it picked', async () => {
    const request = await buildAuthorizationRequest(config, { prompt: 'none' });
    const browser = openDeviceBrowser(WIFI_ADDRESS, { sandbox_sim: encodeURIComponent('+34600000077') });
    const tokens = await exchangeCode(config, await browser.authorize(request.url, REDIRECT_URI), request);
    expect(decodeJwt(tokens.access_token).phone_number).toBe('+34600000077');
  });

  it('takes precedence over the source address: a SIM device that picked WiFi is refused', async () => {
    const request = await buildAuthorizationRequest(config);
    const callback = await openDeviceBrowser(SIM_2.address, { sandbox_sim: 'wifi' }).authorize(request.url, REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });
});
