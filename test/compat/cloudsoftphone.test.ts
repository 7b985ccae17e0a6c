import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { lastCodeFor, wrongCodeFor } from '../support/sms.js';
import { cloudSoftphoneHeaders, brokerLogs, loggedSecrets, FACADE_ENV, verificationsTo, webhookEvents } from './support/facades.js';

// the headers Cloud Softphone sends in seed 000's examples
const APP_HEADERS = { connection: 'close', 'cache-control': 'max-age=0', 'user-agent': 'CloudSoftphone/1.5.6' };

describe('Cloud Softphone Phone Number Verifier facade (seed 000)', () => {
  let broker: TestBroker;
  let clock = 0;
  const verify = () => `${broker.url}/compat/cloudsoftphone/verify_number/`;
  const check = () => `${broker.url}/compat/cloudsoftphone/check`;
  beforeAll(async () => {
    broker = await startTestBroker({ env: FACADE_ENV, now: () => new Date(Date.now() + clock) });
  });
  afterAll(() => broker.close());

  it("the seed's GET, with a number that can receive an SMS: 200, JSON {authToken}, and the PIN arrives by SMS", async () => {
    const app = broker.device('127.0.0.30');
    const res = await app.get(`${verify()}?phone=%2B34600000030&appid=com.cloudsoftphone.app`, APP_HEADERS);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['authToken']);
    expect(body.authToken).toMatch(/^[0-9a-f]{64}$/); // 256 bits
    expect(await lastCodeFor(broker, '+34600000030', app)).toMatch(/^\d{6}$/);
    const [verification] = await verificationsTo(broker, '+34600000030');
    expect(verification.status).toBe('otp_sent');
    expect(verification.events).toContainEqual(expect.objectContaining({ type: 'compat_request', detail: { facade: 'cloudsoftphone', appid: 'com.cloudsoftphone.app' } }));
  });

  it("the seed's own GET example (+15551231234, a fictional 555 number) is refused with a sentence naming it", async () => {
    const app = broker.device('127.0.0.30');
    const res = await app.get(`${verify()}?phone=%2B15551231234&appid=com.cloudsoftphone.app`, APP_HEADERS);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: 'The number +15551231234 is invalid.' });
    expect(await verificationsTo(broker, '+15551231234')).toHaveLength(0);
  });

  it("the seed's POST JSON with +155: 400 {\"message\": \"The number +155 is invalid.\"}", async () => {
    const app = broker.device('127.0.0.30');
    const body = '{\n    "phone"    : "+155",\n    "appid"    : "com.cloudsoftphone.app"\n}';
    const res = await app.post(verify(), body, { ...APP_HEADERS, 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).toBe('{"message":"The number +155 is invalid."}');
  });

  it('POST form (the default, even without a Content-Type) with number, appid and version; both are recorded', async () => {
    const app = broker.device('127.0.0.31');
    const res = await app.post(verify(), 'number=%2B34600000031&appid=com.example.phone&version=2.1.0', APP_HEADERS);
    expect(res.status).toBe(200);
    expect(res.json().authToken).toMatch(/^[0-9a-f]{64}$/);
    const typed = await app.post(verify(), 'phoneNumber=%2B34600000032', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(typed.status).toBe(200);
    const [verification] = await verificationsTo(broker, '+34600000031');
    expect(verification.events).toContainEqual(
      expect.objectContaining({ type: 'compat_request', detail: { facade: 'cloudsoftphone', appid: 'com.example.phone', version: '2.1.0' } }),
    );
  });

  it('a `+` the template did not percent-encode (decoded as a space) still counts as the `+`', async () => {
    const app = broker.device('127.0.0.47');
    expect((await app.get(`${verify()}?phone=+34600000047`)).status).toBe(200);
    expect((await app.post(verify(), 'number=+34600000048')).status).toBe(200);
    expect((await app.get(`${verify()}?phone=+155`)).json()).toEqual({ message: 'The number +155 is invalid.' });
  });

  it("POST JSON as the portal's own example writes it ({number, appId}), with a query string on the URL", async () => {
    const app = broker.device('127.0.0.33');
    const res = await app.post(`${verify()}?version=1.5.6`, { number: '+34600000033', appId: 'com.cloudsoftphone.app' });
    expect(res.status).toBe(200);
    const [verification] = await verificationsTo(broker, '+34600000033');
    expect(verification.events).toContainEqual(
      expect.objectContaining({ detail: { facade: 'cloudsoftphone', appid: 'com.cloudsoftphone.app', version: '1.5.6' } }),
    );
  });

  it('bad input gets a short readable sentence, creates nothing and sends nothing', async () => {
    const app = broker.device('127.0.0.34');
    const before = (await broker.deps.store.verifications.listRecent(500)).length;
    const cases: Array<[Promise<{ status: number; json(): any }>, number, string]> = [
      [app.get(verify()), 400, 'Please enter your phone number.'],
      [app.get(`${verify()}?phone=`), 400, 'Please enter your phone number.'],
      [app.get(`${verify()}?phone=34600000034`), 400, 'The number 34600000034 is invalid.'],
      [app.get(`${verify()}?phone=%2B34%20600%20000%20034`), 400, 'The number +34 600 000 034 is invalid.'],
      [app.get(`${verify()}?phone=call-me-maybe`), 400, 'The phone number is invalid.'],
      [app.get(`${verify()}?phone=%2B${'9'.repeat(200)}`), 400, 'The phone number is invalid.'],
      [app.get(`${verify()}?phone=%2B34600000034&phone=%2B34600000035`), 400, 'The phone number is invalid.'],
      [app.get(`${verify()}?phone=%2B34600000034&number=%2B34600000035`), 400, 'The request carries two different numbers.'],
      [app.get(`${verify()}?phone=%2B34600000034&appid=%3Cscript%3E`), 400, 'The app sent an invalid app id. Please update the app.'],
      [app.get(`${verify()}?phone=%2B34600000034&version=${'1'.repeat(101)}`), 400, 'The app sent an invalid version. Please update the app.'],
      [app.post(verify(), '{"phone": "+346', { 'content-type': 'application/json' }), 400, 'The request could not be understood.'],
      [app.post(verify(), '["+34600000034"]', { 'content-type': 'application/json' }), 400, 'The request could not be understood.'],
      [app.post(verify(), { phone: 34600000034 }), 400, 'The phone number is invalid.'],
      [app.post(verify(), `phone=${'1'.repeat(20000)}`), 413, 'The request is too large.'],
    ];
    for (const [pending, status, message] of cases) {
      const res = await pending;
      expect({ status: res.status, body: res.json() }).toEqual({ status, body: { message } });
      expect(message.length).toBeLessThanOrEqual(100);
    }
    expect((await broker.deps.store.verifications.listRecent(500)).length).toBe(before);
  });

  it('the provisioning backend checks phone, PIN and token: 200 {verified, phoneNumber}, verification.succeeded fires, the PIN works once', async () => {
    const app = broker.device('127.0.0.36');
    const { authToken } = (await app.get(`${verify()}?phone=%2B34600000036&appid=com.cloudsoftphone.app`)).json();
    const pin = await lastCodeFor(broker, '+34600000036', app);
    const backend = broker.device();
    const res = await backend.post(check(), { phoneNumber: '+34600000036', pin, authToken }, cloudSoftphoneHeaders(broker));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ verified: true, phoneNumber: '+34600000036' });
    const [verification] = await verificationsTo(broker, '+34600000036');
    expect(verification).toMatchObject({ status: 'verified', method: 'sms_otp' });
    const events = await webhookEvents(broker, 'verification.succeeded');
    expect(events.some((e) => e.data.verificationId === verification.id && e.data.phoneNumber === '+34600000036')).toBe(true);

    const again = await backend.post(check(), { phoneNumber: '+34600000036', pin, authToken }, cloudSoftphoneHeaders(broker));
    expect(again.status).toBe(403);
    expect(again.json().message).toMatch(/token/);
  });

  it("a PIN without its token, with a made-up token or with another number's token is refused; the check needs the API key", async () => {
    const app = broker.device('127.0.0.37');
    const first = (await app.get(`${verify()}?phone=%2B34600000037`)).json().authToken;
    const second = (await app.get(`${verify()}?phone=%2B34600000038`)).json().authToken;
    const pin = await lastCodeFor(broker, '+34600000037', app);
    const backend = broker.device();
    const admin = cloudSoftphoneHeaders(broker);

    const missing = await backend.post(check(), { phoneNumber: '+34600000037', pin }, admin);
    expect(missing.status).toBe(400);
    expect(missing.json()).toEqual({ message: 'The phone number, PIN and authToken are all required.' });
    const other = await backend.post(check(), { phoneNumber: '+34600000037', pin, authToken: second }, admin);
    expect(other.status).toBe(403);
    const madeUp = await backend.post(check(), { phoneNumber: '+34600000037', pin, authToken: 'f'.repeat(64) }, admin);
    expect(madeUp.status).toBe(403);
    const wrongNumber = await backend.post(check(), { phoneNumber: '+34600000038', pin, authToken: first }, admin);
    expect(wrongNumber.status).toBe(403);
    const badNumber = await backend.post(check(), { phoneNumber: '+155', pin, authToken: first }, admin);
    expect(badNumber.json()).toEqual({ message: 'The number +155 is invalid.' });
    const noKey = await backend.post(check(), { phoneNumber: '+34600000037', pin, authToken: first });
    expect(noKey.status).toBe(401);
    expect(noKey.json()).toEqual({ message: 'This request needs the backend API key.' });
    const wrongKey = await backend.post(check(), { phoneNumber: '+34600000037', pin, authToken: first }, { authorization: `Bearer ${authTokenLike()}` });
    expect(wrongKey.status).toBe(401);

    // none of that cost an attempt: the right PIN with the right token still works
    const ok = await backend.post(check(), { phoneNumber: '+34600000037', pin, authToken: first }, admin);
    expect(ok.status).toBe(200);
  });

  it('wrong PINs count, with attempts left in the message; after five the right PIN is refused too', async () => {
    const app = broker.device('127.0.0.39');
    const { authToken } = (await app.get(`${verify()}?phone=%2B34600000039`)).json();
    const pin = await lastCodeFor(broker, '+34600000039', app);
    const backend = broker.device();
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const res = await backend.post(check(), { phoneNumber: '+34600000039', pin: wrongCodeFor(pin), authToken }, cloudSoftphoneHeaders(broker));
      answers.push([res.status, res.json().message, res.json().attemptsRemaining]);
    }
    expect(answers).toEqual([
      [400, 'The PIN is not correct. 4 attempts are left.', 4],
      [400, 'The PIN is not correct. 3 attempts are left.', 3],
      [400, 'The PIN is not correct. 2 attempts are left.', 2],
      [400, 'The PIN is not correct. 1 attempt is left.', 1],
      [400, 'The PIN is not correct. 0 attempts are left.', 0],
    ]);
    const right = await backend.post(check(), { phoneNumber: '+34600000039', pin, authToken }, cloudSoftphoneHeaders(broker));
    expect(right.status).toBe(403);
    expect(right.json()).toEqual({ message: 'Too many wrong PINs. Please ask for a new one.' });
    const malformed = await backend.post(check(), { phoneNumber: '+34600000039', pin: 'abc', authToken }, cloudSoftphoneHeaders(broker));
    expect(malformed.status).toBeGreaterThanOrEqual(400);
  });

  it('a PIN past its lifetime is refused with 410 and a sentence', async () => {
    const app = broker.device('127.0.0.40');
    const { authToken } = (await app.get(`${verify()}?phone=%2B34600000040`)).json();
    const pin = await lastCodeFor(broker, '+34600000040', app);
    clock = 301_000;
    try {
      const res = await broker.device().post(check(), { phoneNumber: '+34600000040', pin, authToken }, cloudSoftphoneHeaders(broker));
      expect(res.status).toBe(410);
      expect(res.json()).toEqual({ message: 'The PIN has expired. Please ask for a new one.' });
    } finally {
      clock = 0;
    }
  });

  it('never logs a full number, a PIN or a token', async () => {
    const app = broker.device('127.0.0.41');
    const { authToken } = (await app.get(`${verify()}?phone=%2B34600000041&appid=com.cloudsoftphone.app`)).json();
    const pin = await lastCodeFor(broker, '+34600000041', app);
    await broker.device().post(check(), { phoneNumber: '+34600000041', pin: wrongCodeFor(pin), authToken }, cloudSoftphoneHeaders(broker));
    await broker.device().post(check(), { phoneNumber: '+34600000041', pin, authToken }, cloudSoftphoneHeaders(broker));
    const logs = brokerLogs(broker);
    expect(logs).toContain('verify_number'); // the request lines are there…
    expect(loggedSecrets(broker, ['+34600000041', '34600000041', pin, wrongCodeFor(pin), authToken, broker.deps.secrets.cloudSoftphoneApiKey])).toEqual([]);
  });
});

describe('Cloud Softphone facade settings and limits', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({
      env: { ...FACADE_ENV, COMPAT_CLOUDSOFTPHONE_PATH: '/verify', COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS: 'msisdn,tel', SMS_LIMIT_PER_NUMBER: '2/3600' },
    });
  });
  afterAll(() => broker.close());

  it('the path prefix and the number field names are configurable', async () => {
    const app = broker.device('127.0.0.42');
    expect((await app.get(`${broker.url}/verify/verify_number?msisdn=%2B34600000042`)).status).toBe(200);
    expect((await app.post(`${broker.url}/verify/verify_number`, 'tel=%2B34600000043')).status).toBe(200);
    const unnamed = await app.get(`${broker.url}/verify/verify_number?phone=%2B34600000044`);
    expect(unnamed.json()).toEqual({ message: 'Please enter your phone number.' });
    expect((await app.get(`${broker.url}/compat/cloudsoftphone/verify_number?msisdn=%2B34600000042`)).status).toBe(404);
  });

  it('the SMS limits apply: 429 with Retry-After and a sentence saying when to retry', async () => {
    const app = broker.device('127.0.0.45');
    for (let i = 0; i < 2; i++) expect((await app.get(`${broker.url}/verify/verify_number?msisdn=%2B34600000045`)).status).toBe(200);
    const limited = await app.get(`${broker.url}/verify/verify_number?msisdn=%2B34600000045`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
    expect(limited.json().message).toMatch(/^Too many codes were requested\. Please try again in (59|60) minutes\.$/);
  });

  it('with the facade switched off, its paths are not served', async () => {
    const off = await startTestBroker({ sandbox: false, env: { COMPAT_FACADES: 'mpass' } });
    try {
      expect((await off.device().get(`${off.url}/compat/cloudsoftphone/verify_number?phone=%2B34600000046`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

function authTokenLike(): string {
  return 'x'.repeat(40);
}
