import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import { lastCodeFor, startOnWifi, wrongCodeFor } from '../support/sms.js';

describe('SMS one-time-code fallback', () => {
  let broker: TestBroker;
  let clock = 0;
  beforeAll(async () => {
    broker = await startTestBroker({ now: () => new Date(Date.now() + clock) });
  });
  afterAll(() => broker.close());

  it('WiFi → SMS → the code from the sandbox inbox → verified, with an origin-bound WebOTP line', async () => {
    const phone = broker.device('127.0.0.20');
    const { id, body, status } = await startOnWifi(broker, phone, '+34600000020');
    expect(status).toBe(201);
    expect(body).toMatchObject({ method: 'sms_otp', status: 'otp_sent' });
    expect(body.verification.otp).toMatchObject({ attemptsRemaining: 5, sendsRemaining: 4 });
    const inbox = (await phone.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000020`)).json();
    expect(inbox.messages.at(-1).body).toMatch(/\n@127\.0\.0\.1 #\d{6}$/);
    const code = await lastCodeFor(broker, '+34600000020', phone);
    const res = await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'verified', sessionToken: expect.stringMatching(/^ey/), verification: { method: 'sms_otp' } });
    const claims = JSON.parse(Buffer.from(res.json().sessionToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: '+34600000020', amr: ['sms'], verification_id: id, iss: broker.url });
    const again = await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code });
    expect(again.status).toBe(409);
  });

  it('"SIM has another number" → SMS → verified', async () => {
    const phone = broker.device('127.0.0.3');
    const { callback } = await verifySilently(broker, phone, '+34600000021');
    const target = new URL(callback.headers.location!);
    expect(target.pathname).toBe('/otp.html');
    expect(target.searchParams.get('status')).toBe('fallback_required');
    const id = target.searchParams.get('verificationId')!;
    // the callback (a GET) sends no SMS; the app asks for the code with a JSON POST
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/fallback`, {})).json()).toMatchObject({ status: 'otp_sent' });
    const code = await lastCodeFor(broker, '+34600000021', phone);
    const res = await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code });
    expect(res.json()).toMatchObject({ status: 'verified' });
    const read = (await phone.get(`${broker.url}/v1/verifications/${id}`)).json();
    expect(read.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['number_checked', 'fallback_required', 'otp_sent', 'code_checked', 'verified']),
    );
  });

  it('five wrong codes kill the code and fail the verification; the right code is then refused', async () => {
    const phone = broker.device('127.0.0.22');
    const { id } = await startOnWifi(broker, phone, '+34600000022');
    const code = await lastCodeFor(broker, '+34600000022', phone);
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code: wrongCodeFor(code) });
      expect(res.status).toBe(400);
      expect(res.json().code).toBe('INVALID_OTP');
      remaining.push(res.json().attemptsRemaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const right = await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code });
    expect(right.status).toBe(403);
    expect(right.json().code).toBe('OTP_ATTEMPTS_EXCEEDED');
    expect((await phone.get(`${broker.url}/v1/verifications/${id}`)).json()).toMatchObject({ status: 'failed', reason: 'too_many_attempts' });
  });

  it('concurrent wrong guesses never get more than the allowed attempts', async () => {
    const phone = broker.device('127.0.0.23');
    const { id } = await startOnWifi(broker, phone, '+34600000023');
    const code = await lastCodeFor(broker, '+34600000023', phone);
    const answers = await Promise.all(Array.from({ length: 20 }, () => phone.post(`${broker.url}/v1/verifications/${id}/code`, { code: wrongCodeFor(code) })));
    expect(answers.filter((a) => a.json().code === 'INVALID_OTP')).toHaveLength(5);
    const read = (await phone.get(`${broker.url}/v1/verifications/${id}`)).json();
    expect(read.events.filter((e: { type: string }) => e.type === 'code_checked')).toHaveLength(5);
  });

  it('malformed codes are refused without costing an attempt', async () => {
    const phone = broker.device('127.0.0.24');
    const { id } = await startOnWifi(broker, phone, '+34600000024');
    for (const code of ['12345', '1234567', 'abcdef', '']) {
      const res = await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code });
      expect(res.status).toBe(400);
      expect(res.json().code).toBe('INVALID_ARGUMENT');
    }
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code: 123456 })).status).toBe(400);
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code: '123456', extra: 1 })).status).toBe(400);
    expect((await phone.get(`${broker.url}/v1/verifications/${id}`)).json().otp.attemptsRemaining).toBe(5);
  });

  it('an expired code is refused with 410 OTP_EXPIRED', async () => {
    const phone = broker.device('127.0.0.25');
    const { id } = await startOnWifi(broker, phone, '+34600000025');
    const code = await lastCodeFor(broker, '+34600000025', phone);
    clock = 301_000;
    try {
      const res = await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code });
      expect(res.status).toBe(410);
      expect(res.json()).toMatchObject({ status: 410, code: 'OTP_EXPIRED' });
    } finally {
      clock = 0;
    }
  });

  it('resend waits for the cooldown (429 with Retry-After), then sends a new code that replaces the old one', async () => {
    const phone = broker.device('127.0.0.26');
    const { id } = await startOnWifi(broker, phone, '+34600000026');
    const first = await lastCodeFor(broker, '+34600000026', phone);
    const early = await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {});
    expect(early.status).toBe(429);
    expect(Number(early.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    clock = 31_000;
    try {
      const res = await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {});
      expect(res.status).toBe(202);
      expect(res.json()).toMatchObject({ sendsRemaining: 3, nextResendAt: expect.any(String) });
      const second = await lastCodeFor(broker, '+34600000026', phone);
      if (second !== first) {
        expect((await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code: first })).json().code).toBe('INVALID_OTP');
      }
      expect((await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code: second })).status).toBe(200);
    } finally {
      clock = 0;
    }
  });

  it('only the session that started the verification may check codes or resend', async () => {
    const phone = broker.device('127.0.0.27');
    const { id } = await startOnWifi(broker, phone, '+34600000027');
    const code = await lastCodeFor(broker, '+34600000027', phone);
    const thief = broker.device('127.0.0.28');
    expect((await thief.post(`${broker.url}/v1/verifications/${id}/code`, { code })).status).toBe(403);
    expect((await thief.post(`${broker.url}/v1/verifications/${id}/resend`, {})).status).toBe(403);
    expect((await thief.post(`${broker.url}/v1/verifications/${id}/fallback`, {})).status).toBe(403);
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code })).status).toBe(200);
  });

  it('the app can give up on the silent leg: POST /fallback sends a code', async () => {
    const phone = broker.device('127.0.0.2');
    const { verificationId } = (await phone.get(`${broker.url}/login?phoneNumber=%2B34600000029`)).json();
    const res = await phone.post(`${broker.url}/v1/verifications/${verificationId}/fallback`, {});
    expect(res.status).toBe(202);
    expect(res.json()).toMatchObject({ status: 'otp_sent', reason: 'user_requested' });
    const again = await phone.post(`${broker.url}/v1/verifications/${verificationId}/fallback`, {});
    expect(again.status).toBe(202);
    const inbox = (await phone.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000029`)).json();
    expect(inbox.messages).toHaveLength(1);
  });

  it('no code ever appears in the logs, events or API answers', async () => {
    const phone = broker.device('127.0.0.30');
    const { id, body } = await startOnWifi(broker, phone, '+34600000030');
    const code = await lastCodeFor(broker, '+34600000030', phone);
    await phone.post(`${broker.url}/v1/verifications/${id}/code`, { code: wrongCodeFor(code) });
    const read = await phone.get(`${broker.url}/v1/verifications/${id}`);
    expect(JSON.stringify(body)).not.toContain(code);
    expect(read.text).not.toContain(code);
    const logs = broker.logs.filter((l) => !l.startsWith('[sms console]'));
    expect(logs.join('\n')).not.toContain(code);
    expect(logs.join('\n')).not.toContain('+34600000030');
  });
});

describe('SMS providers in the flow', () => {
  let failing: Server;
  let failingUrl: string;
  let hits = 0;
  beforeAll(async () => {
    failing = createServer((_req, res) => {
      hits++;
      res.writeHead(500).end('down');
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/sms`;
  });
  afterAll(() => new Promise<void>((r) => failing.close(() => r())));

  it('a failing provider hands over to the next one in the list', async () => {
    const broker = await startTestBroker({
      env: { SMS_PROVIDERS: 'http,console', SMS_HTTP_URL: failingUrl, SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' },
    });
    try {
      const phone = broker.device('127.0.0.31');
      const { id, body } = await startOnWifi(broker, phone, '+34600000031');
      expect(body.status).toBe('otp_sent');
      expect(hits).toBeGreaterThan(0);
      const read = (await phone.get(`${broker.url}/v1/verifications/${id}`)).json();
      expect(read.events).toContainEqual(expect.objectContaining({ type: 'otp_sent', detail: { provider: 'console', send: 1 } }));
    } finally {
      await broker.close();
    }
  });

  it('when every provider fails: 503 SMS_UNAVAILABLE, and the send is not counted against the user', async () => {
    const broker = await startTestBroker({
      env: { SMS_PROVIDERS: 'http', SMS_HTTP_URL: failingUrl, SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}', SMS_LIMIT_PER_NUMBER: '1/3600' },
    });
    try {
      const phone = broker.device('127.0.0.32');
      const { verificationId } = (await phone.get(`${broker.url}/login?phoneNumber=%2B34600000032`)).json();
      for (let i = 0; i < 3; i++) {
        const res = await phone.post(`${broker.url}/v1/verifications/${verificationId}/fallback`, {});
        expect(res.status).toBe(503);
        expect(res.json().code).toBe('SMS_UNAVAILABLE');
      }
      const read = (await phone.get(`${broker.url}/v1/verifications/${verificationId}`)).json();
      expect(read.status).toBe('fallback_required');
      expect(read.otp).toBeUndefined();
      expect(read.events.filter((e: { type: string }) => e.type === 'sms_failed')).toHaveLength(3);
    } finally {
      await broker.close();
    }
  });
});

describe('protection against SMS fraud', () => {
  it('limits sends per number: the refusal is recorded, says why, and sends nothing', async () => {
    const broker = await startTestBroker({ env: { SMS_LIMIT_PER_NUMBER: '2/3600' } });
    try {
      const devices = [1, 2, 3].map((i) => broker.device(`127.0.1.${i}`));
      const ids: string[] = [];
      for (const device of devices) ids.push((await startOnWifi(broker, device, '+34600000040')).id);
      const third = devices[2];
      const read = (await third.get(`${broker.url}/v1/verifications/${ids[2]}`)).json();
      expect(read.status).toBe('fallback_required');
      expect(read.events).toContainEqual(expect.objectContaining({ type: 'sms_refused', detail: { code: 'TOO_MANY_REQUESTS' } }));
      const explicit = await third.post(`${broker.url}/v1/verifications/${ids[2]}/resend`, {});
      expect(explicit.status).toBe(429);
      expect(explicit.headers['retry-after']).toBeDefined();
      const inbox = (await third.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000040`)).json();
      expect(inbox.messages).toHaveLength(2);
    } finally {
      await broker.close();
    }
  });

  it('limits sends per client IP across numbers', async () => {
    const broker = await startTestBroker({ env: { SMS_LIMIT_PER_IP: '2/3600' } });
    try {
      const pumper = broker.device('127.0.2.1');
      const answers = [];
      for (const n of ['+34600000051', '+34600000052', '+34600000053']) answers.push((await startOnWifi(broker, pumper, n)).body.status);
      expect(answers).toEqual(['otp_sent', 'otp_sent', 'fallback_required']);
      expect((await startOnWifi(broker, broker.device('127.0.2.2'), '+34600000054')).body.status).toBe('otp_sent');
    } finally {
      await broker.close();
    }
  });

  it('limits sends per number prefix (a pumping run across a range)', async () => {
    const broker = await startTestBroker({ env: { SMS_LIMIT_PER_PREFIX: '2/3600', SMS_PREFIX_DIGITS: '8' } });
    try {
      const statuses = [];
      for (const [i, n] of ['+34600000061', '+34600000062', '+34600000063'].entries()) statuses.push((await startOnWifi(broker, broker.device(`127.0.3.${i + 1}`), n)).body.status);
      expect(statuses).toEqual(['otp_sent', 'otp_sent', 'fallback_required']);
      expect((await startOnWifi(broker, broker.device('127.0.3.9'), '+34611000064')).body.status).toBe('otp_sent');
    } finally {
      await broker.close();
    }
  });

  it('a denied country is refused before any SMS with DESTINATION_BLOCKED', async () => {
    const broker = await startTestBroker({ env: { SMS_COUNTRIES_DENY: 'GB' } });
    try {
      const phone = broker.device('127.0.4.1');
      const { id, body } = await startOnWifi(broker, phone, '+447400123456');
      expect(body.status).toBe('fallback_required');
      const res = await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {});
      expect(res.status).toBe(403);
      expect(res.json().code).toBe('DESTINATION_BLOCKED');
      expect((await phone.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B447400123456`)).json().messages).toHaveLength(0);
      expect((await startOnWifi(broker, phone, '+34600000070')).body.status).toBe('otp_sent');
    } finally {
      await broker.close();
    }
  });

  it('an allow list refuses every other country', async () => {
    const broker = await startTestBroker({ env: { SMS_COUNTRIES_ALLOW: 'ES' } });
    try {
      const phone = broker.device('127.0.4.2');
      expect((await startOnWifi(broker, phone, '+447400123457')).body.verification.events.at(-1)).toMatchObject({ type: 'sms_refused', detail: { code: 'DESTINATION_BLOCKED' } });
      expect((await startOnWifi(broker, phone, '+34600000071')).body.status).toBe('otp_sent');
    } finally {
      await broker.close();
    }
  });

  it('when the daily budget is spent, sends are refused with SMS_BUDGET_EXHAUSTED and an error is logged', async () => {
    const broker = await startTestBroker({ env: { SMS_DAILY_BUDGET: '1' } });
    try {
      expect((await startOnWifi(broker, broker.device('127.0.5.1'), '+34600000081')).body.status).toBe('otp_sent');
      const phone = broker.device('127.0.5.2');
      const { id, body } = await startOnWifi(broker, phone, '+34600000082');
      expect(body.status).toBe('fallback_required');
      const res = await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {});
      expect(res.status).toBe(429);
      expect(res.json().code).toBe('SMS_BUDGET_EXHAUSTED');
      expect(broker.logs.some((l) => l.includes('"level":50') && l.includes('budget'))).toBe(true);
    } finally {
      await broker.close();
    }
  });
});
