import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';

/**
 * Relay: the device that completes must be the one that asked. A session that starts a verification for a
 * number and hands the operator URL to another device (the victim's phone loading it from an <img> or a link
 * over mobile data) must not get that number verified for itself.
 */
describe('a relayed silent verification is not verified for the starter', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false });
  });
  afterAll(() => broker.close());

  async function start(starter: Device, phoneNumber: string, extra = ''): Promise<{ id: string; authUrl: string }> {
    const res = await starter.get(`${broker.url}/login?phoneNumber=${encodeURIComponent(phoneNumber)}${extra}`);
    expect(res.status).toBe(200);
    return { id: res.json().verificationId, authUrl: res.json().authUrl };
  }

  /** the other device follows the operator URL to /callback and requests it */
  async function follow(device: Device, authUrl: string, headers: Record<string, string> = {}) {
    const { location } = await device.followUntil(authUrl, (next) => next.pathname === '/callback' && next.origin === broker.url);
    return device.get(location.href, headers);
  }

  async function succeededEventsFor(id: string) {
    const deliveries = await broker.deps.store.outbox.list({ limit: 1000 });
    return deliveries.filter((d) => d.eventType === 'verification.succeeded' && d.payload.includes(id));
  }

  it('another device that comes back gets a completion code; the starter gets no token and no success webhook until it presents it', async () => {
    const attacker = broker.device('127.0.0.1');
    const victimPhone = broker.device('127.0.0.3');
    const { id, authUrl } = await start(attacker, '+34600000003');

    const callback = await follow(victimPhone, authUrl);
    expect(callback.status).toBe(302);
    const landing = new URL(callback.headers.location!);
    expect(landing.pathname).toBe('/result.html');
    expect(landing.searchParams.get('status')).toBe('awaiting_completion');
    // the code travels in the fragment of the broker's own page: it never reaches a server or a log
    expect(landing.searchParams.has('code')).toBe(false);
    const code = new URLSearchParams(landing.hash.slice(1)).get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const read = await attacker.get(`${broker.url}/v1/verifications/${id}`);
    expect(read.json()).toMatchObject({ status: 'awaiting_completion', reason: 'other_device' });
    expect(read.json().sessionToken).toBeUndefined();
    expect(await succeededEventsFor(id)).toHaveLength(0);

    // the device that came back cannot complete it for itself either: it is not the starter's session
    const byDevice = await victimPhone.post(`${broker.url}/v1/verifications/${id}/code`, { code });
    expect(byDevice.status).toBe(403);

    // only the starter holding the device's code completes it
    const done = await attacker.post(`${broker.url}/v1/verifications/${id}/code`, { code });
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({ status: 'verified', verification: { method: 'silent_auth' } });
    const claims = JSON.parse(Buffer.from(done.json().sessionToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: '+34600000003', verification_id: id });
    expect(await succeededEventsFor(id)).toHaveLength(1);
    expect(broker.logs.join('\n')).not.toContain(code);

    // single use
    const replay = await attacker.post(`${broker.url}/v1/verifications/${id}/code`, { code });
    expect(replay.status).toBe(409);
  });

  it('the device that started it completes at once, as before', async () => {
    const phone = broker.device('127.0.0.3');
    const { id, authUrl } = await start(phone, '+34600000003');
    const callback = await follow(phone, authUrl);
    expect(new URL(callback.headers.location!).searchParams.get('status')).toBe('verified');
    expect(new URL(callback.headers.location!).hash).toBe('');
    expect((await phone.get(`${broker.url}/v1/verifications/${id}`)).json().sessionToken).toMatch(/^ey/);
  });

  it('a completion code of another verification, or a guessed one, is refused and counts against the attempt limit', async () => {
    const starter = broker.device('127.0.0.1');
    const first = await start(starter, '+34600000003');
    const second = await start(starter, '+34600000003');
    const codeOfFirst = new URLSearchParams(new URL((await follow(broker.device('127.0.0.3'), first.authUrl)).headers.location!).hash.slice(1)).get('code')!;
    const codeOfSecond = new URLSearchParams(new URL((await follow(broker.device('127.0.0.3'), second.authUrl)).headers.location!).hash.slice(1)).get('code')!;

    const foreign = await starter.post(`${broker.url}/v1/verifications/${second.id}/code`, { code: codeOfFirst });
    expect(foreign.status).toBe(400);
    expect(foreign.json()).toMatchObject({ code: 'INVALID_OTP', attemptsRemaining: 4 });
    // malformed input does not count
    expect((await starter.post(`${broker.url}/v1/verifications/${second.id}/code`, { code: '123456' })).status).toBe(400);
    for (let left = 3; left >= 1; left--) {
      const guess = await starter.post(`${broker.url}/v1/verifications/${second.id}/code`, { code: 'A'.repeat(43) });
      expect(guess.json()).toMatchObject({ code: 'INVALID_OTP', attemptsRemaining: left });
    }
    const last = await starter.post(`${broker.url}/v1/verifications/${second.id}/code`, { code: 'B'.repeat(43) });
    expect(last.json()).toMatchObject({ code: 'INVALID_OTP', attemptsRemaining: 0 });
    const after = await starter.post(`${broker.url}/v1/verifications/${second.id}/code`, { code: codeOfSecond });
    expect(after.json().code).toBe('OTP_ATTEMPTS_EXCEEDED');
    expect((await starter.get(`${broker.url}/v1/verifications/${second.id}`)).json().status).toBe('failed');

    // the first one is untouched by guesses at the second
    expect((await starter.post(`${broker.url}/v1/verifications/${first.id}/code`, { code: codeOfFirst })).json().status).toBe('verified');
  });

  it('an app that opens the URL in another HTTP client gets the code in the redirect to its returnUrl, or in the JSON answer', async () => {
    const app = broker.device('127.0.0.1');
    const withReturn = await start(app, '+34600000003', `&returnUrl=${encodeURIComponent(`${broker.url}/app-return?x=1`)}`);
    const customTab = broker.device('127.0.0.3');
    const back = new URL((await follow(customTab, withReturn.authUrl, { accept: 'application/json' })).headers.location!);
    expect(back.pathname).toBe('/app-return');
    expect(back.searchParams.get('x')).toBe('1');
    expect(back.searchParams.get('status')).toBe('awaiting_completion');
    const code = back.searchParams.get('code')!;
    expect((await app.post(`${broker.url}/v1/verifications/${withReturn.id}/code`, { code })).json().status).toBe('verified');

    const plain = await start(app, '+34600000003');
    const json = await follow(broker.device('127.0.0.3'), plain.authUrl, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.json()).toMatchObject({ status: 'awaiting_completion', code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await app.post(`${broker.url}/v1/verifications/${plain.id}/code`, { code: json.json().code })).json().status).toBe('verified');
  });

  it('a starter that gives up waiting for the code can still ask for an SMS code', async () => {
    const starter = broker.device('127.0.0.1');
    const { id, authUrl } = await start(starter, '+34600000003');
    await follow(broker.device('127.0.0.3'), authUrl);
    const fallback = await starter.post(`${broker.url}/v1/verifications/${id}/fallback`, {});
    expect(fallback.status).toBe(202);
    expect(fallback.json()).toMatchObject({ status: 'otp_sent' });
  });
});

describe('requests any web page can trigger send no SMS', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false });
  });
  afterAll(() => broker.close());

  async function inboxCount(phoneNumber: string): Promise<number> {
    const res = await broker.device().get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(phoneNumber)}`);
    return res.json().messages.length;
  }

  it('GET /login on WiFi only marks the verification fallback_required; the app asks for the code with a JSON POST', async () => {
    const browser = broker.device('127.0.0.50');
    const res = await browser.get(`${broker.url}/login?phoneNumber=%2B34600000050&network=wifi`);
    expect(res.json()).toMatchObject({ method: 'sms_otp', status: 'fallback_required' });
    expect(await inboxCount('+34600000050')).toBe(0);

    const redirected = await browser.get(`${broker.url}/login?phoneNumber=%2B34600000050&network=wifi&redirect=true`);
    expect(redirected.status).toBe(302);
    const page = new URL(redirected.headers.location!);
    expect(page.pathname).toBe('/otp.html');
    expect(page.searchParams.get('status')).toBe('fallback_required');
    expect(await inboxCount('+34600000050')).toBe(0);

    const asked = await browser.post(`${broker.url}/v1/verifications/${res.json().verificationId}/fallback`, {});
    expect(asked.json()).toMatchObject({ status: 'otp_sent' });
    expect(await inboxCount('+34600000050')).toBe(1);
  });

  it('a /callback that did not verify sends no SMS', async () => {
    const laptop = broker.device('127.0.0.9'); // no SIM: the sandbox operator answers access_denied
    const { location } = await laptop.followUntil(`${broker.url}/login?phoneNumber=%2B34600000051&redirect=true`, (n) => n.pathname === '/callback');
    const res = await laptop.get(location.href, { accept: 'application/json' });
    expect(res.json()).toMatchObject({ status: 'fallback_required', reason: 'access_denied' });
    expect(await inboxCount('+34600000051')).toBe(0);
  });

  it('an operator error redirect without state ends the pending attempt of the session that carries it', async () => {
    const phone = broker.device('127.0.0.2');
    const started = (await phone.get(`${broker.url}/login?phoneNumber=%2B34600000002`)).json();
    expect(started.status).toBe('silent_auth_in_progress');
    const res = await phone.get(`${broker.url}/callback?error=access_denied&error_description=not+on+mobile+data`, { accept: 'application/json' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ id: started.verificationId, status: 'fallback_required', reason: 'access_denied' });
    expect(await inboxCount('+34600000002')).toBe(0);

    // without a session that started one, it is refused as before and changes nothing
    const stranger = await broker.device('127.0.0.2').get(`${broker.url}/callback?error=access_denied`, { accept: 'application/json' });
    expect(stranger.status).toBe(400);
  });
});

describe('a native app that follows the redirects with another HTTP client (docs/mobile.md)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false, env: { RETURN_URL_PREFIXES: 'com.example.app://verified' } });
  });
  afterAll(() => broker.close());

  it('gets the completion code on its custom-scheme returnUrl, and the starting client completes with it', async () => {
    const apiClient = broker.device('127.0.0.1');
    const started = await apiClient.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000002', network: 'cellular', returnUrl: 'com.example.app://verified' });
    expect(started.status).toBe(201);
    const { verificationId, authUrl } = started.json();
    // the app's cellular-bound connection: no cookie, follows the redirects itself, stops at the deep link
    const cellular = broker.device('127.0.0.2');
    const { location } = await cellular.followUntil(authUrl, (next) => next.pathname === '/callback' && next.origin === broker.url);
    const back = await cellular.get(location.href);
    const deepLink = new URL(back.headers.location!);
    expect(`${deepLink.protocol}//${deepLink.host}${deepLink.pathname}`).toBe('com.example.app://verified');
    expect(deepLink.searchParams.get('status')).toBe('awaiting_completion');
    const done = await apiClient.post(`${broker.url}/v1/verifications/${verificationId}/code`, { code: deepLink.searchParams.get('code') });
    expect(done.json()).toMatchObject({ status: 'verified', sessionToken: expect.stringMatching(/^ey/) });
  });
});
