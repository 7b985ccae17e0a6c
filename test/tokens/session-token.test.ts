import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as jose from 'jose';
import { issueSessionToken } from '../../src/tokens/session-token.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';

describe('the session token of a verified number', () => {
  let broker: TestBroker;
  let clockOffsetMs = 0;
  beforeAll(async () => {
    broker = await startTestBroker({ now: () => new Date(Date.now() + clockOffsetMs), background: false });
  });
  afterAll(() => broker.close());

  async function verified(device: Device): Promise<{ id: string; body: any }> {
    const { callback } = await verifySilently(broker, device, '+34600000002');
    const location = new URL(callback.headers.location!);
    expect(location.searchParams.has('sessionToken')).toBe(false);
    expect(callback.headers.location).not.toMatch(/eyJ/);
    const id = location.searchParams.get('verificationId')!;
    const read = await device.get(`${broker.url}/v1/verifications/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers['cache-control']).toBe('no-store');
    return { id, body: read.json() };
  }

  it('is returned to the bound session and verifies with createRemoteJWKSet against the broker alone', async () => {
    const { id, body } = await verified(broker.device('127.0.0.2'));
    expect(body.status).toBe('verified');
    expect(typeof body.sessionToken).toBe('string');

    const jwks = jose.createRemoteJWKSet(new URL(`${broker.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jose.jwtVerify(body.sessionToken, jwks, { issuer: broker.url, audience: 'default', algorithms: ['ES256'] });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: broker.deps.keys.active('session-token').kid });
    expect(payload).toMatchObject({ iss: broker.url, sub: '+34600000002', aud: 'default', verification_id: id, amr: ['nba'], operator: 'sandbox' });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.exp! - (payload.auth_time as number)).toBe(600);
    expect(payload.auth_time).toBe(Math.floor(Date.parse(body.verifiedAt) / 1000));
    expect(payload.iat).toBeLessThanOrEqual(payload.exp!);

    // the checks are real: another audience or issuer is refused
    await expect(jose.jwtVerify(body.sessionToken, jwks, { issuer: broker.url, audience: 'another-app' })).rejects.toThrow(/aud/);
    await expect(jose.jwtVerify(body.sessionToken, jwks, { issuer: 'https://elsewhere.example', audience: 'default' })).rejects.toThrow(/iss/);
    // the session-token key is published for signatures, beside the client-assertion key
    const published = (await (await fetch(`${broker.url}/.well-known/jwks.json`)).json()) as { keys: jose.JWK[] };
    expect(published.keys.find((k) => k.kid === protectedHeader.kid)).toMatchObject({ use: 'sig', alg: 'ES256', kty: 'EC' });
    expect(published.keys.every((k) => k.d === undefined)).toBe(true);
  });

  it('cannot be read by another session: the other device gets a 403 without a token', async () => {
    const { id, body } = await verified(broker.device('127.0.0.2'));
    expect(body.sessionToken).toBeDefined();
    for (const other of [broker.device('127.0.0.2'), broker.device('127.0.0.9')]) {
      const res = await other.get(`${broker.url}/v1/verifications/${id}`);
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ code: 'PERMISSION_DENIED' });
      expect(res.text).not.toMatch(/eyJ/);
    }
  });

  it('is not issued for a verification that is not verified', async () => {
    const device = broker.device('127.0.0.3');
    const { callback } = await verifySilently(broker, device, '+34600000002');
    const id = new URL(callback.headers.location!).searchParams.get('verificationId')!;
    const body = (await device.get(`${broker.url}/v1/verifications/${id}`)).json();
    expect(body.status).not.toBe('verified');
    expect(body.sessionToken).toBeUndefined();
  });

  it('lives SESSION_TOKEN_TTL_SECONDS from the verification: reading again later does not stretch it', async () => {
    const device = broker.device('127.0.0.2');
    const { id } = await verified(device);
    try {
      clockOffsetMs = 590_000;
      const late = (await device.get(`${broker.url}/v1/verifications/${id}`)).json();
      const { exp, auth_time } = jose.decodeJwt(late.sessionToken);
      expect(exp! - (auth_time as number)).toBe(600);
      clockOffsetMs = 601_000;
      const after = (await device.get(`${broker.url}/v1/verifications/${id}`)).json();
      expect(after.status).toBe('verified');
      expect(after.sessionToken).toBeUndefined();
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('says amr ["sms"] for a number proved by an SMS code, and names no operator when none took part', async () => {
    const { id } = await verified(broker.device('127.0.0.2'));
    const v = (await broker.deps.store.verifications.get(id))!;
    const token = await issueSessionToken(broker.deps, { ...v, method: 'sms_otp', operatorId: undefined });
    const { payload } = await jose.jwtVerify(token!, jose.createLocalJWKSet(broker.deps.keys.publicJwks()), { issuer: broker.url, audience: 'default' });
    expect(payload.amr).toEqual(['sms']);
    expect(payload).not.toHaveProperty('operator');
  });

  it('never appears in the logs', async () => {
    const { body } = await verified(broker.device('127.0.0.2'));
    const logs = broker.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(body.sessionToken);
    expect(logs).not.toContain(body.sessionToken.split('.')[2]);
  });
});
