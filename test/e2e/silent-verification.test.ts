import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sandboxOperator } from '../../src/operator/sandbox-operator.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';

describe('silent verification through the sandbox operator', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    // every test here verifies the sandbox's two SIMs: more starts per number than START_LIMIT_PER_NUMBER allows
    broker = await startTestBroker({ env: { START_LIMIT_PER_NUMBER: '1000/3600' } });
  });
  afterAll(() => broker.close());

  it('verifies the number of the SIM in the device, without user interaction', async () => {
    const phone = broker.device('127.0.0.2');
    const { callback } = await verifySilently(broker, phone, '+34600000002');
    expect(callback.status).toBe(302);
    const result = new URL(callback.headers.location!);
    expect(result.pathname).toBe('/result.html');
    expect([...result.searchParams.keys()].sort()).toEqual(['status', 'verificationId']);
    expect(result.searchParams.get('status')).toBe('verified');

    const read = await phone.get(`${broker.url}/v1/verifications/${result.searchParams.get('verificationId')}`);
    expect(read.status).toBe(200);
    const body = read.json();
    expect(body).toMatchObject({ status: 'verified', method: 'silent_auth', phoneNumber: '+3460*****02', operator: 'sandbox' });
    // the webhook's outcome joins the timeline when the delivery worker gets to it (webhook_*): not part of this story
    const story = body.events.map((e: { type: string }) => e.type).filter((type: string) => !type.startsWith('webhook_'));
    expect(story).toEqual(['created', 'operator_redirect', 'callback_received', 'token_exchanged', 'number_checked', 'verified']);
    expect(read.text).not.toContain('+34600000002');
  });

  it('sends the operator state, nonce, PKCE S256, the exact redirect_uri and login_hint=tel:+E164, without prompt=none', async () => {
    const res = await broker.device('127.0.0.2').get(`${broker.url}/login?phoneNumber=%2B34600000002`);
    expect(res.status).toBe(200);
    const { verificationId, method, authUrl } = res.json();
    expect(verificationId).toMatch(/^vrf_/);
    expect(method).toBe('silent_auth');
    const url = new URL(authUrl);
    expect(url.origin).toBe(broker.sandbox!.issuer);
    const p = url.searchParams;
    expect(p.get('login_hint')).toBe('tel:+34600000002');
    expect(p.get('redirect_uri')).toBe(`${broker.url}/callback`);
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(p.get('state')!.length).toBeGreaterThanOrEqual(16);
    expect(p.get('nonce')!.length).toBeGreaterThanOrEqual(16);
    expect(p.get('response_type')).toBe('code');
    expect(p.get('scope')).toBe('openid number-verification:verify');
    expect(p.has('prompt')).toBe(false);
  });

  it('when the SIM in the device has another number, the verification needs the SMS fallback', async () => {
    const phone = broker.device('127.0.0.3');
    const { callback } = await verifySilently(broker, phone, '+34600000002');
    const result = new URL(callback.headers.location!);
    expect(result.searchParams.get('status')).toBe('fallback_required');
    expect(result.pathname).toBe('/otp.html');
    const read = (await phone.get(`${broker.url}/v1/verifications/${result.searchParams.get('verificationId')}`)).json();
    expect(read).toMatchObject({ status: 'fallback_required', method: 'sms_otp', reason: 'number_mismatch' });
  });

  it('when the device is on WiFi, the operator refuses network authentication and the flow falls back', async () => {
    const laptop = broker.device('127.0.0.9');
    const { callbackUrl, callback } = await verifySilently(broker, laptop, '+34600000002');
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    const read = (await laptop.get(`${broker.url}/v1/verifications/${new URL(callback.headers.location!).searchParams.get('verificationId')}`, { accept: 'application/json' })).json();
    expect(read).toMatchObject({ status: 'fallback_required', reason: 'access_denied' });
  });

  it('network=wifi skips the operator and answers method sms_otp', async () => {
    const res = await broker.device().post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000002', network: 'wifi' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toMatch(/^\/v1\/verifications\/vrf_/);
    const body = res.json();
    expect(body.method).toBe('sms_otp');
    expect(body.authUrl).toBeUndefined();
    expect(body.verification).toMatchObject({ method: 'sms_otp', reason: 'network_wifi' });
  });

  it('with Accept: application/json the callback answers the verification instead of redirecting', async () => {
    const phone = broker.device('127.0.0.2');
    const start = `${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`;
    const { location } = await phone.followUntil(start, (next) => next.pathname === '/callback');
    const res = await phone.get(location.href, { accept: 'application/json' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'verified' });
  });

  it('a replayed callback (same state) is refused and changes nothing', async () => {
    const phone = broker.device('127.0.0.2');
    const { callbackUrl, callback } = await verifySilently(broker, phone, '+34600000002');
    const id = new URL(callback.headers.location!).searchParams.get('verificationId')!;
    const before = (await phone.get(`${broker.url}/v1/verifications/${id}`)).json();
    const replay = await phone.get(callbackUrl.href, { accept: 'application/json' });
    expect(replay.status).toBe(400);
    expect(replay.json()).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    const after = (await phone.get(`${broker.url}/v1/verifications/${id}`)).json();
    // each read mints a fresh session token; everything else must be untouched
    expect({ ...after, sessionToken: undefined }).toEqual({ ...before, sessionToken: undefined });
  });

  it('an unknown state is refused', async () => {
    const res = await broker.device().get(`${broker.url}/callback?code=abc&state=made-up-state`, { accept: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json().code).toBe('INVALID_ARGUMENT');
  });

  it('a callback whose iss is not the operator (mix-up, RFC 9207) is refused and never verifies', async () => {
    const phone = broker.device('127.0.0.2');
    const start = `${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`;
    const { location } = await phone.followUntil(start, (next) => next.pathname === '/callback');
    expect(location.searchParams.get('iss')).toBe(broker.sandbox!.issuer);
    location.searchParams.set('iss', 'https://evil.example');
    const res = await phone.get(location.href, { accept: 'application/json' });
    expect(res.status).toBe(400);
    const id = res.json().verificationId;
    const read = (await phone.get(`${broker.url}/v1/verifications/${id}`)).json();
    expect(read.status).not.toBe('verified');
  });

  it("another browser cannot read a verification it did not start", async () => {
    const phone = broker.device('127.0.0.2');
    const { verificationId } = (await phone.get(`${broker.url}/login?phoneNumber=%2B34600000002`)).json();
    const other = await broker.device('127.0.0.5').get(`${broker.url}/v1/verifications/${verificationId}`);
    expect(other.status).toBe(403);
    expect(other.json()).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: expect.any(String) });
    expect((await phone.get(`${broker.url}/v1/verifications/${verificationId}`)).status).toBe(200);
  });

  it('returnUrl must match an allowed prefix; the callback then redirects there with only id and status', async () => {
    const phone = broker.device('127.0.0.2');
    const evil = await phone.get(`${broker.url}/login?phoneNumber=%2B34600000002&returnUrl=${encodeURIComponent('https://evil.example/x')}`);
    expect(evil.status).toBe(400);
    expect(evil.json().message).toMatch(/returnUrl/);
    const returnUrl = `${broker.url}/done?from=app`;
    const { callback } = await verifySilently(broker, phone, '+34600000002', `&returnUrl=${encodeURIComponent(returnUrl)}`);
    const target = new URL(callback.headers.location!);
    expect(`${target.origin}${target.pathname}`).toBe(`${broker.url}/done`);
    expect(target.searchParams.get('from')).toBe('app');
    expect(target.searchParams.get('status')).toBe('verified');
  });
});

describe('operator dialects against the sandbox', () => {
  it('hashed mode sends hashedPhoneNumber and verifies', async () => {
    const broker = await startTestBroker({ operators: (issuer) => [{ ...sandboxOperator(issuer!), hashPhoneNumber: true }] });
    try {
      const { callback } = await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');
      expect(new URL(callback.headers.location!).searchParams.get('status')).toBe('verified');
    } finally {
      await broker.close();
    }
  });

  it('device-phone-number mode compares the returned number in the broker', async () => {
    const broker = await startTestBroker({
      operators: (issuer) => [{ ...sandboxOperator(issuer!), mode: 'device-phone-number', scope: 'openid number-verification:device-phone-number:read' }],
    });
    try {
      const ok = await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');
      expect(new URL(ok.callback.headers.location!).searchParams.get('status')).toBe('verified');
      const other = await verifySilently(broker, broker.device('127.0.0.3'), '+34600000002');
      expect(new URL(other.callback.headers.location!).searchParams.get('status')).toBe('fallback_required');
    } finally {
      await broker.close();
    }
  });

  it('numbers no operator serves go straight to SMS', async () => {
    const broker = await startTestBroker({ operators: (issuer) => [{ ...sandboxOperator(issuer!), prefixes: ['+44'] }] });
    try {
      const res = (await broker.device('127.0.0.2').get(`${broker.url}/login?phoneNumber=%2B34600000002`)).json();
      expect(res).toMatchObject({ method: 'sms_otp', verification: { reason: 'no_operator' } });
    } finally {
      await broker.close();
    }
  });
});

describe('the sandbox never claims a number a configured operator serves', () => {
  // the sandbox shows every code and verifies whatever SIM it is told: it must never take a real operator's number
  it('even with a longer prefix than the real operator, the real operator gets the number; others stay with the sandbox', async () => {
    const broker = await startTestBroker({
      operators: (issuer) => [{ ...sandboxOperator(issuer!), prefixes: ['+34600', '+'] }, { ...sandboxOperator('http://127.0.0.1:9'), id: 'real-es', prefixes: ['+34'] }],
    });
    try {
      const served = (await broker.device('127.0.0.2').get(`${broker.url}/login?phoneNumber=%2B34600000002`)).json();
      expect(served).toMatchObject({ method: 'sms_otp', verification: { reason: 'operator_unavailable' } });
      const stored = await broker.deps.store.verifications.get(served.verificationId);
      expect(stored?.operatorId).toBe('real-es');
      const unserved = (await broker.device('127.0.0.4').get(`${broker.url}/login?phoneNumber=%2B447400123456`)).json();
      expect(unserved.verification?.reason).not.toBe('operator_unavailable');
      expect((await broker.deps.store.verifications.get(unserved.verificationId ?? unserved.verification?.id))?.operatorId).toBe('sandbox');
    } finally {
      await broker.close();
    }
  });
});

describe('operator failures fall back to SMS', () => {
  it('an operator that times out → fallback_required within the timeout', async () => {
    const broker = await startTestBroker({ env: { OPERATOR_TIMEOUT_MS: '400' }, sandbox: { faults: { delayMs: 3000 } } });
    try {
      const phone = broker.device('127.0.0.2');
      const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
      const started = Date.now();
      const res = await phone.get(location.href, { accept: 'application/json' });
      const elapsed = Date.now() - started;
      expect(res.json()).toMatchObject({ status: 'fallback_required', reason: 'operator_timeout' });
      expect(elapsed).toBeLessThan(2500);
    } finally {
      await broker.close();
    }
  });

  it('an operator answering 503 → fallback_required with the reason recorded', async () => {
    const broker = await startTestBroker({ sandbox: { faults: { failStatus: 503 } } });
    try {
      const phone = broker.device('127.0.0.2');
      const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
      const res = (await phone.get(location.href, { accept: 'application/json' })).json();
      expect(res).toMatchObject({ status: 'fallback_required', reason: 'operator_unavailable' });
      expect(res.events).toContainEqual(expect.objectContaining({ type: 'fallback_required', detail: { reason: 'operator_unavailable', status: 503, operatorCode: 'UNAVAILABLE' } }));
    } finally {
      await broker.close();
    }
  });

  it('an operator that cannot be reached at all → the verification starts on SMS', async () => {
    const broker = await startTestBroker({ operators: () => [{ ...sandboxOperator('http://127.0.0.1:9'), id: 'down' }] });
    try {
      const res = (await broker.device('127.0.0.2').get(`${broker.url}/login?phoneNumber=%2B34600000002`)).json();
      expect(res).toMatchObject({ method: 'sms_otp', verification: { status: 'fallback_required', reason: 'operator_unavailable' } });
    } finally {
      await broker.close();
    }
  });
});
