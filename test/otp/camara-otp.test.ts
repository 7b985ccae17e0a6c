import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OperatorConfig } from '../../src/config/index.js';
import { sandboxOperator } from '../../src/operator/sandbox-operator.js';
import { CODE_PLACEHOLDER, MAX_MESSAGE_LENGTH, operatorMessage } from '../../src/otp/camara-otp.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { lastCodeFor, startOnWifi } from '../support/sms.js';
import { cloudSoftphoneHeaders, FACADE_ENV } from '../compat/support/facades.js';

/**
 * A loopback hop between the broker and the sandbox's One Time Password SMS API: it keeps what send-code was
 * asked, and can answer a 5xx or hold the answer back (the sandbox's own faults are fixed when it starts).
 */
interface OperatorProxy {
  url: string;
  sendBodies: Array<{ phoneNumber: string; message: string }>;
  fault?: { status: number } | { delayMs: number };
  close(): Promise<void>;
}

async function startOperatorProxy(target: () => string): Promise<OperatorProxy> {
  const proxy: OperatorProxy = { url: '', sendBodies: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      if (req.url?.endsWith('/send-code')) proxy.sendBodies.push(JSON.parse(body));
      const fault = proxy.fault;
      if (fault && 'status' in fault) {
        res.writeHead(fault.status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: fault.status, code: 'UNAVAILABLE', message: 'down' }));
        return;
      }
      if (fault) await sleep(fault.delayMs);
      // a held-back request may outlive the test (and the sandbox): its answer is then nobody's
      const answer = await fetch(`${target()}${req.url}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
        body,
      }).catch(() => undefined);
      if (!answer || res.destroyed) return void res.destroy();
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}

const SIMS = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`127.0.1.${i + 1}`, `+3460000${String(i + 100).padStart(4, '0')}`]));
const served = (i: number) => `+3460000${String(i + 100).padStart(4, '0')}`;
const BLOCKED = '+34600000190';
/** served by an operator without the One Time Password SMS API */
const PLAIN_OPERATOR_NUMBER = '+34610000001';

/**
 * The sandbox serves `+346…` with its One Time Password SMS API (through the proxy); `plain` serves `+3461…`
 * with Number Verification only.
 */
function operators(proxy: OperatorProxy, options: { timeoutMs?: number } = {}) {
  return (issuer: string | undefined): OperatorConfig[] => [
    { ...sandboxOperator(issuer!), prefixes: ['+346'], apiRoot: proxy.url, otpSms: true, timeoutMs: options.timeoutMs ?? 1000 },
    { ...sandboxOperator(issuer!), id: 'plain', prefixes: ['+3461'], otpSms: false },
  ];
}

async function codeCheck(broker: TestBroker, device: Device, id: string, code: string) {
  const res = await device.post(`${broker.url}/v1/verifications/${id}/code`, { code });
  return { status: res.status, body: res.json() };
}

async function read(broker: TestBroker, device: Device, id: string) {
  return (await device.get(`${broker.url}/v1/verifications/${id}`)).json();
}

function lastOperatorSms(broker: TestBroker, phoneNumber: string) {
  const sms = broker.sandbox!.sentSms(phoneNumber);
  if (!sms.length) throw new Error(`the operator sent no SMS to ${phoneNumber}`);
  return sms[0];
}

describe('OTP_ENGINE=camara-otp: the operator makes, sends and checks the code (CAMARA One Time Password SMS)', () => {
  let broker: TestBroker;
  let proxy: OperatorProxy;
  let clock = 0;
  beforeAll(async () => {
    let issuer = '';
    proxy = await startOperatorProxy(() => issuer);
    broker = await startTestBroker({
      env: { OTP_ENGINE: 'camara-otp', OTP_RESEND_COOLDOWN_SECONDS: '0' },
      sandbox: { sims: SIMS, lines: { otpSms: { maxAttempts: 3, maxCodesPerHour: 3, blockedNumbers: [BLOCKED] } } },
      operators: (sandboxIssuer) => {
        issuer = sandboxIssuer!;
        return operators(proxy)(sandboxIssuer);
      },
      now: () => new Date(Date.now() + clock),
    });
  });
  afterAll(async () => {
    await broker.close();
    await proxy.close();
  });

  it('the right code, alphanumeric as the operator makes it, verifies; the broker sent nothing itself', async () => {
    const phone = broker.device('127.0.1.1');
    const { id, body } = await startOnWifi(broker, phone, served(1));
    expect(body).toMatchObject({ status: 'otp_sent', verification: { otp: { attemptsRemaining: 5, sendsRemaining: 4 } } });
    const { code, text } = lastOperatorSms(broker, served(1));
    expect(code).toMatch(/[A-Z]/);
    expect(text).toContain(code);
    const inbox = (await phone.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(served(1))}`)).json();
    expect(inbox.messages).toHaveLength(0);

    const right = await codeCheck(broker, phone, id, code);
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ status: 'verified', sessionToken: expect.stringMatching(/^ey/), verification: { method: 'sms_otp' } });
    const events = (await read(broker, phone, id)).events;
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'otp_sent', detail: { provider: 'camara-otp:sandbox', send: 1 } })]));
    // the operator's id for the code stays in the record: never in the answer nor in a log line
    const { authenticationId } = lastOperatorSms(broker, served(1));
    expect(JSON.stringify(await read(broker, phone, id))).not.toContain(authenticationId);
    expect(broker.logs.join('\n')).not.toContain(authenticationId);
    expect(broker.logs.join('\n')).not.toContain(`#${code}`);
  });

  it('sends the broker\'s own message with {{code}}, at most 160 characters, ending with the origin-bound line', async () => {
    const phone = broker.device('127.0.1.2');
    await startOnWifi(broker, phone, served(2));
    const asked = proxy.sendBodies.filter((b) => b.phoneNumber === served(2));
    expect(asked).toHaveLength(1);
    const { message } = asked[0];
    expect(message).toContain(CODE_PLACEHOLDER);
    expect(message.length).toBeLessThanOrEqual(160);
    expect(message).toBe('Verify: tu código de verificación es {{code}}. Caduca en 5 minutos.\n\n@127.0.0.1 #{{code}}');
    const { text, code } = lastOperatorSms(broker, served(2));
    expect(text).toBe(message.split(CODE_PLACEHOLDER).join(code));
  });

  it('a code typed in lower case is sent as typed, and the sandbox (case-insensitive) takes it', async () => {
    const phone = broker.device('127.0.1.3');
    const { id } = await startOnWifi(broker, phone, served(3));
    const { code } = lastOperatorSms(broker, served(3));
    expect((await codeCheck(broker, phone, id, code.toLowerCase())).status).toBe(200);
  });

  it('input that is no operator code is refused without costing an attempt or asking the operator', async () => {
    const phone = broker.device('127.0.1.4');
    const { id } = await startOnWifi(broker, phone, served(4));
    for (const code of ['ABCDEFGHIJK', 'AB-12', 'AB 12', '']) {
      const res = await codeCheck(broker, phone, id, code);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_ARGUMENT');
    }
    expect((await read(broker, phone, id)).otp.attemptsRemaining).toBe(5);
    expect((await codeCheck(broker, phone, id, lastOperatorSms(broker, served(4)).code)).status).toBe(200);
  });

  it('a wrong code is 400 INVALID_OTP with attempts remaining; when the operator takes no more (VERIFICATION_FAILED), that wrong one fails the verification', async () => {
    const phone = broker.device('127.0.1.5');
    const { id } = await startOnWifi(broker, phone, served(5));
    const { code } = lastOperatorSms(broker, served(5));
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const wrong = await codeCheck(broker, phone, id, `${code}Z`);
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('INVALID_OTP');
      remaining.push(wrong.body.attemptsRemaining);
    }
    // the sandbox allows 3 wrong codes per authenticationId, the broker 5 per verification: the stricter wins
    expect(remaining).toEqual([4, 3, 0]);
    expect(await read(broker, phone, id)).toMatchObject({ status: 'failed', reason: 'too_many_attempts' });
    const right = await codeCheck(broker, phone, id, code);
    expect(right).toMatchObject({ status: 403, body: { code: 'OTP_ATTEMPTS_EXCEEDED' } });
  });

  it('OTP_MAX_ATTEMPTS counts every check across resends: new operator codes buy no more guesses', async () => {
    const phone = broker.device('127.0.1.6');
    const { id } = await startOnWifi(broker, phone, served(6));
    const remaining: number[] = [];
    const guessTwice = async () => {
      for (let i = 0; i < 2; i++) remaining.push((await codeCheck(broker, phone, id, `${lastOperatorSms(broker, served(6)).code}Z`)).body.attemptsRemaining);
    };
    await guessTwice();
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {})).status).toBe(202);
    await guessTwice();
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {})).status).toBe(202);
    remaining.push((await codeCheck(broker, phone, id, `${lastOperatorSms(broker, served(6)).code}Z`)).body.attemptsRemaining);
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    expect(broker.sandbox!.sentSms(served(6))).toHaveLength(3);
    expect((await read(broker, phone, id)).status).toBe('failed');
  });

  it('a code past the broker\'s OTP_TTL_SECONDS is 410 OTP_EXPIRED, whatever the operator would say', async () => {
    const phone = broker.device('127.0.1.7');
    const { id } = await startOnWifi(broker, phone, served(7));
    const { code } = lastOperatorSms(broker, served(7));
    clock = 301_000;
    try {
      expect(await codeCheck(broker, phone, id, code)).toMatchObject({ status: 410, body: { code: 'OTP_EXPIRED' } });
    } finally {
      clock = 0;
    }
  });

  it('the operator refusing the number (PHONE_NUMBER_BLOCKED) is 403 DESTINATION_BLOCKED; nothing is sent by the broker instead', async () => {
    const phone = broker.device('127.0.1.8');
    const { id, body } = await startOnWifi(broker, phone, BLOCKED);
    expect(body.status).toBe('fallback_required');
    const res = await phone.post(`${broker.url}/v1/verifications/${id}/fallback`, {});
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ code: 'DESTINATION_BLOCKED', message: expect.stringContaining('operator') });
    const v = await read(broker, phone, id);
    expect(v.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'sms_refused', detail: { code: 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_BLOCKED', provider: 'camara-otp:sandbox' } })]),
    );
    expect(v).toMatchObject({ status: 'fallback_required' });
    expect(v.otp).toBeUndefined();
    expect((await phone.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(BLOCKED)}`)).json().messages).toHaveLength(0);
  });

  it('the operator refusing more codes (MAX_OTP_CODES_EXCEEDED) is 429, and the send is not counted', async () => {
    const phone = broker.device('127.0.1.9');
    const { id } = await startOnWifi(broker, phone, served(9));
    for (let i = 0; i < 2; i++) expect((await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {})).status).toBe(202);
    const fourth = await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {});
    expect(fourth.status).toBe(429);
    expect(fourth.json().code).toBe('TOO_MANY_REQUESTS');
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    const v = await read(broker, phone, id);
    expect(v.otp.sendsRemaining).toBe(2);
    expect(v.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'sms_refused', detail: expect.objectContaining({ code: 'ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED' }) })]));
    // the code of the third send still works
    expect((await codeCheck(broker, phone, id, lastOperatorSms(broker, served(9)).code)).status).toBe(200);
  });

  it('an operator answering 5xx, or too late, is 503 SMS_UNAVAILABLE with the verification unchanged; a later send works', async () => {
    const phone = broker.device('127.0.1.10');
    proxy.fault = { status: 503 };
    let id: string;
    try {
      ({ id } = await startOnWifi(broker, phone, served(10)));
      const down = await phone.post(`${broker.url}/v1/verifications/${id}/fallback`, {});
      expect(down.status).toBe(503);
      expect(down.json().code).toBe('SMS_UNAVAILABLE');
      proxy.fault = { delayMs: 1500 };
      const slow = await phone.post(`${broker.url}/v1/verifications/${id}/fallback`, {});
      expect(slow.status).toBe(503);
    } finally {
      proxy.fault = undefined;
    }
    const before = await read(broker, phone, id);
    expect(before.status).toBe('fallback_required');
    expect(before.otp).toBeUndefined();
    expect(broker.logs.join('\n')).toMatch(/One Time Password SMS call failed/);
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/fallback`, {})).status).toBe(202);
    const after = await read(broker, phone, id);
    expect(after.otp).toMatchObject({ attemptsRemaining: 5, sendsRemaining: 4 });
    expect((await codeCheck(broker, phone, id, lastOperatorSms(broker, served(10)).code)).status).toBe(200);
  });

  it('an operator that cannot check the code right now is 503 and costs no attempt', async () => {
    const phone = broker.device('127.0.1.11');
    const { id } = await startOnWifi(broker, phone, served(11));
    proxy.fault = { status: 500 };
    try {
      expect(await codeCheck(broker, phone, id, 'ABC1')).toMatchObject({ status: 503, body: { code: 'SMS_UNAVAILABLE' } });
    } finally {
      proxy.fault = undefined;
    }
    expect((await read(broker, phone, id)).otp.attemptsRemaining).toBe(5);
  });

  it('a number served by an operator without the API gets a local code from the SMS providers (/sandbox/inbox), checked locally', async () => {
    const phone = broker.device('127.0.1.12');
    const { id, body } = await startOnWifi(broker, phone, PLAIN_OPERATOR_NUMBER);
    expect(body.status).toBe('otp_sent');
    expect(broker.sandbox!.sentSms(PLAIN_OPERATOR_NUMBER)).toHaveLength(0);
    expect(proxy.sendBodies.some((b) => b.phoneNumber === PLAIN_OPERATOR_NUMBER)).toBe(false);
    const code = await lastCodeFor(broker, PLAIN_OPERATOR_NUMBER, phone);
    expect(code).toMatch(/^\d{6}$/);
    const v = await read(broker, phone, id);
    expect(v.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'otp_sent', detail: { provider: 'console', send: 1 } })]));
    // the local engine keeps its own shape: OTP_LENGTH digits
    expect(await codeCheck(broker, phone, id, 'ABC1')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
    expect((await codeCheck(broker, phone, id, code)).status).toBe(200);
  });
});

describe('camara-otp: a code the operator has let expire', () => {
  let broker: TestBroker;
  let proxy: OperatorProxy;
  beforeAll(async () => {
    let issuer = '';
    proxy = await startOperatorProxy(() => issuer);
    broker = await startTestBroker({
      env: { OTP_ENGINE: 'camara-otp', OTP_RESEND_COOLDOWN_SECONDS: '0' },
      sandbox: { sims: SIMS, lines: { otpSms: { codeTtlSeconds: 1 } } },
      operators: (sandboxIssuer) => {
        issuer = sandboxIssuer!;
        return operators(proxy)(sandboxIssuer);
      },
    });
  });
  afterAll(async () => {
    await broker.close();
    await proxy.close();
  });

  it('is 410 OTP_EXPIRED (VERIFICATION_EXPIRED) without costing an attempt; a resend gives a code that works', async () => {
    const phone = broker.device('127.0.1.13');
    const { id } = await startOnWifi(broker, phone, served(13));
    await sleep(1100);
    expect(await codeCheck(broker, phone, id, lastOperatorSms(broker, served(13)).code)).toMatchObject({ status: 410, body: { code: 'OTP_EXPIRED' } });
    expect((await read(broker, phone, id)).otp.attemptsRemaining).toBe(5);
    expect((await phone.post(`${broker.url}/v1/verifications/${id}/resend`, {})).status).toBe(202);
    expect((await codeCheck(broker, phone, id, lastOperatorSms(broker, served(13)).code)).status).toBe(200);
  });
});

describe('camara-otp with the sandbox operator as main.ts adds it, through a facade that checks codes', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { ...FACADE_ENV, OTP_ENGINE: 'camara-otp' } });
  });
  afterAll(() => broker.close());

  it("Cloud Softphone's check takes the operator's alphanumeric PIN; a wrong one counts as the native API's does", async () => {
    const app = broker.device('127.0.1.14');
    const { authToken } = (await app.get(`${broker.url}/compat/cloudsoftphone/verify_number/?phone=%2B34600000003`)).json();
    const { code } = lastOperatorSms(broker, '+34600000003');
    const backend = broker.device();
    const check = (pin: string) => backend.post(`${broker.url}/compat/cloudsoftphone/check`, { phoneNumber: '+34600000003', pin, authToken }, cloudSoftphoneHeaders(broker));
    const wrong = await check(`${code}Z`);
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toMatchObject({ attemptsRemaining: 4 });
    const right = await check(code);
    expect(right.status).toBe(200);
    expect(right.json()).toEqual({ verified: true, phoneNumber: '+34600000003' });
  });
});

describe('operatorMessage: the template the operator fills in', () => {
  const base = { lang: 'en' as const, host: 'https://login.example.com/x', ttlMinutes: 5 };

  it('keeps the origin-bound line when it fits, drops it when the brand leaves no room, and never exceeds 160', () => {
    expect(operatorMessage({ ...base, brand: 'Acme' })).toBe('Acme: your verification code is {{code}}. It expires in 5 minutes.\n\n@login.example.com #{{code}}');
    const long = operatorMessage({ ...base, brand: 'B'.repeat(80) });
    expect(long).toBe(`${'B'.repeat(80)}: your verification code is {{code}}. It expires in 5 minutes.`);
    const huge = operatorMessage({ ...base, brand: 'B'.repeat(200) });
    expect(huge).toBe('@login.example.com #{{code}}');
    for (const lang of ['en', 'es', 'fr', 'de', 'pt', 'ar'] as const) {
      for (const brand of ['Acme', 'B'.repeat(60), 'B'.repeat(120), 'B'.repeat(400)]) {
        const message = operatorMessage({ ...base, lang, brand, app: 'Some App' });
        expect(message).toContain(CODE_PLACEHOLDER);
        expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
      }
    }
  });
});
