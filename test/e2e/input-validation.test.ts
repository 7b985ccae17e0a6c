import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';

describe('bad input gets a clear CAMARA error and changes nothing', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  const camara = (status: number, code: string) => ({ status, code, message: expect.any(String) });

  it.each([
    ['missing', '', /phoneNumber/],
    ['not E.164', '?phoneNumber=600000002', /phoneNumber/],
    ['formatted', '?phoneNumber=%2B34%20600%2000%2000%2002', /phoneNumber/],
    ['not a real number', '?phoneNumber=%2B155', /phoneNumber/],
    ['unknown network', '?phoneNumber=%2B34600000002&network=5g', /network/],
    ['unknown parameter', '?phoneNumber=%2B34600000002&foo=1', /foo/],
    ['repeated parameter', '?phoneNumber=%2B34600000002&phoneNumber=%2B34600000003', /phoneNumber/],
  ])('GET /login with a %s phone number or parameter → 400 naming the field', async (_name, query, field) => {
    const res = await broker.device().get(`${broker.url}/login${query}`);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual(camara(400, 'INVALID_ARGUMENT'));
    expect(res.json().message).toMatch(field);
  });

  it('malformed JSON → 400, oversized body → 413, other content types → 415, unknown fields → 400', async () => {
    const d = broker.device();
    const url = `${broker.url}/v1/verifications`;
    const malformed = await d.post(url, '{"phoneNumber": ', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toEqual(camara(400, 'INVALID_ARGUMENT'));
    const big = await d.post(url, JSON.stringify({ phoneNumber: '+34600000002', pad: 'x'.repeat(40_000) }), { 'content-type': 'application/json' });
    expect(big.status).toBe(413);
    expect(big.json()).toEqual(camara(413, 'PAYLOAD_TOO_LARGE'));
    const form = await d.post(url, 'phoneNumber=%2B34600000002', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const unknown = await d.post(url, { phoneNumber: '+34600000002', admin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.json().message).toMatch(/admin/);
    const notObject = await d.post(url, '[1,2]', { 'content-type': 'application/json' });
    expect(notObject.status).toBe(400);
    expect((await broker.deps.store.verifications.listRecent(100)).length).toBe(0);
  });

  it('x-correlator is echoed when valid, generated when absent, refused when invalid', async () => {
    const d = broker.device();
    const echoed = await d.get(`${broker.url}/.well-known/jwks.json`, { 'x-correlator': 'abc-123:ok' });
    expect(echoed.headers['x-correlator']).toBe('abc-123:ok');
    const generated = await d.get(`${broker.url}/.well-known/jwks.json`);
    expect(generated.headers['x-correlator']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await d.get(`${broker.url}/login?phoneNumber=%2B34600000002`, { 'x-correlator': 'has spaces and !' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual(camara(400, 'INVALID_ARGUMENT'));
  });

  it('unknown endpoints and unknown verifications → 404 CAMARA bodies; helmet headers are on', async () => {
    const d = broker.device();
    const nothing = await d.get(`${broker.url}/v1/nothing`);
    expect(nothing.status).toBe(404);
    expect(nothing.json()).toEqual(camara(404, 'NOT_FOUND'));
    const missing = await d.get(`${broker.url}/v1/verifications/vrf_missing`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-security-policy']).toContain("script-src 'self'");
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the JWKS publishes only public keys, with kid, alg and use', async () => {
    const { keys } = (await broker.device().get(`${broker.url}/.well-known/jwks.json`)).json();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).toMatchObject({ kid: expect.any(String), alg: expect.stringMatching(/^(ES256|RS256)$/), use: 'sig' });
      expect(key.d).toBeUndefined();
    }
    expect(keys.map((k: { kid: string }) => k.kid.slice(0, 3)).sort()).toEqual(['ca-', 'st-']);
  });
});
