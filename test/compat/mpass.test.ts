import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createChannel, revokeChannel } from '../../src/compat/mpass/channels.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { lastCodeFor, wrongCodeFor } from '../support/sms.js';
import { brokerLogs, FACADE_ENV, loggedSecrets, verificationsTo } from './support/facades.js';

const ACCEPT = '{"description":"Accept","status":"0"}';
const INVALID_DATA = '{"description":"Invalid Data","status":"1"}';
const ACCESS_DENIED = '{"description":"Access Denied","status":"2"}';
const REJECT = '{"description":"Reject","status":"3"}';
const EXPIRED = '{"description":"Expired","status":"4"}';
const INTERNAL_ERROR = '{"description":"Internal Error Occurred","status":"100"}';

describe('mPass Mobile Number Verification facade (seed 003)', () => {
  let broker: TestBroker;
  let clock = 0;
  let apikey: string;
  let server: Device; // the application server the channel key was made for
  beforeAll(async () => {
    broker = await startTestBroker({ env: { ...FACADE_ENV, COMPAT_MPASS_DEFAULT_REGION: 'ES' }, now: () => new Date(Date.now() + clock) });
    ({ apiKey: apikey } = await createChannel(broker.deps.store, { name: 'billing', ips: ['127.0.0.50'] }, new Date()));
    server = broker.device('127.0.0.50');
  });
  afterAll(() => broker.close());

  const msg = (query: string) => server.get(`${broker.url}/mpass-web/rest/mv/msg?${query}`);
  const verify = (query: string) => server.get(`${broker.url}/mpass-web/rest/mv/verify?${query}`);
  /** every mPass answer is HTTP 200 with the JSON body; returns the body */
  const body = async (pending: ReturnType<typeof msg>) => {
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return res.text;
  };

  it("the seed's send and verify: Accept, as {\"description\":\"Accept\",\"status\":\"0\"}, and the number is verified", async () => {
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000050&lang=en_US`))).toBe(ACCEPT);
    const otp = await lastCodeFor(broker, '+34600000050', server);
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000050&otp=${otp}`))).toBe(ACCEPT);
    const [verification] = await verificationsTo(broker, '+34600000050');
    expect(verification).toMatchObject({ status: 'verified', method: 'sms_otp' });
    expect(verification.events).toContainEqual(expect.objectContaining({ type: 'compat_request', detail: { facade: 'mpass', channel: 'billing' } }));
    // single use
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000050&otp=${otp}`))).toBe(REJECT);
  });

  it('`app` is named in the SMS and must come back on the verify; a wrong app is a Reject that costs no attempt', async () => {
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000051&app=Payroll`))).toBe(ACCEPT);
    const inbox = (await server.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000051`)).json().messages;
    expect(inbox.at(-1).body).toMatch(/code for Payroll is/);
    const otp = await lastCodeFor(broker, '+34600000051', server);
    for (let i = 0; i < 6; i++) {
      expect(await body(verify(`apikey=${apikey}&dest=%2B34600000051&otp=${otp}`))).toBe(REJECT);
      expect(await body(verify(`apikey=${apikey}&dest=%2B34600000051&otp=${otp}&app=Billing`))).toBe(REJECT);
    }
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000051&otp=${otp}&app=Payroll`))).toBe(ACCEPT);
  });

  it('lang: en_US by default (not the number’s country), ar_SA, and the other template languages; others are Invalid Data', async () => {
    const text = async (dest: string) => (await server.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(dest)}`)).json().messages.at(-1).body as string;
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000052`))).toBe(ACCEPT);
    expect(await text('+34600000052')).toMatch(/your verification code is/);
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000053&lang=ar_SA`))).toBe(ACCEPT);
    expect(await text('+34600000053')).toMatch(/رمز التحقق/);
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000054&lang=es_ES`))).toBe(ACCEPT);
    expect(await text('+34600000054')).toMatch(/tu código de verificación/);
    for (const lang of ['xx_XX', 'english', 'en_USA', 'ar%0A']) {
      expect(await body(msg(`apikey=${apikey}&dest=%2B34600000055&lang=${lang}`))).toBe(INVALID_DATA);
    }
    expect(await verificationsTo(broker, '+34600000055')).toHaveLength(0);
  });

  it('dest may be E.164, 00-prefixed, international digits without +, or national in COMPAT_MPASS_DEFAULT_REGION', async () => {
    for (const [dest, e164] of [
      ['%2B34600000056', '+34600000056'],
      ['0034600000057', '+34600000057'],
      ['34600000058', '+34600000058'],
      ['600000059', '+34600000059'],
      ['%2B34%20600%2000%2000%2060', '+34600000060'],
    ]) {
      expect(await body(msg(`apikey=${apikey}&dest=${dest}`))).toBe(ACCEPT);
      const otp = await lastCodeFor(broker, e164, server);
      expect(await body(verify(`apikey=${apikey}&dest=${e164.replace('+', '%2B')}&otp=${otp}`))).toBe(ACCEPT);
    }
  });

  it('a missing mandatory parameter, an invalid number, a malformed code or app → 1 Invalid Data, changing nothing', async () => {
    const before = (await broker.deps.store.verifications.listRecent(500)).length;
    for (const query of [
      'dest=%2B34600000061',
      `apikey=${apikey}`,
      `apikey=${apikey}&dest=`,
      `apikey=${apikey}&dest=%2B155`,
      `apikey=${apikey}&dest=not-a-number`,
      `apikey=${apikey}&dest=%2B34600000061&dest=%2B34600000062`,
      `apikey=${apikey}&dest=%2B34600000061&app=${'a'.repeat(65)}`,
      `apikey=${apikey}&dest=%2B34600000061&app=two%0Alines`,
    ]) {
      expect([query, await body(msg(query))]).toEqual([query, INVALID_DATA]);
    }
    expect((await broker.deps.store.verifications.listRecent(500)).length).toBe(before);

    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000061`))).toBe(ACCEPT);
    const otp = await lastCodeFor(broker, '+34600000061', server);
    for (const query of [`apikey=${apikey}&dest=%2B34600000061`, `apikey=${apikey}&otp=${otp}`, `apikey=${apikey}&dest=%2B34600000061&otp=abc`, `apikey=${apikey}&dest=%2B34600000061&otp=12`]) {
      expect([query, await body(verify(query))]).toEqual([query, INVALID_DATA]);
    }
    // none of those cost an attempt
    expect((await verificationsTo(broker, '+34600000061'))[0].otp?.attempts).toBe(0);
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000061&otp=${otp}`))).toBe(ACCEPT);
  });

  it('an unknown key, a key from another address or a revoked key → 2 Access Denied', async () => {
    expect(await body(msg(`apikey=mpk_${'A'.repeat(43)}&dest=%2B34600000063`))).toBe(ACCESS_DENIED);
    const elsewhere = broker.device('127.0.0.51');
    expect(await body(elsewhere.get(`${broker.url}/mpass-web/rest/mv/msg?apikey=${apikey}&dest=%2B34600000063`))).toBe(ACCESS_DENIED);
    expect(await body(elsewhere.get(`${broker.url}/mpass-web/rest/mv/verify?apikey=${apikey}&dest=%2B34600000063&otp=123456`))).toBe(ACCESS_DENIED);
    const { apiKey: doomed } = await createChannel(broker.deps.store, { name: 'doomed', ips: ['127.0.0.50'] }, new Date());
    expect(await body(msg(`apikey=${doomed}&dest=%2B34600000063`))).toBe(ACCEPT);
    await revokeChannel(broker.deps.store, 'doomed');
    expect(await body(msg(`apikey=${doomed}&dest=%2B34600000063`))).toBe(ACCESS_DENIED);
  });

  it("a channel sees only its own codes: another channel's verify of the same number is a Reject", async () => {
    const { apiKey: other } = await createChannel(broker.deps.store, { name: 'crm', ips: ['127.0.0.50'] }, new Date());
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000064`))).toBe(ACCEPT);
    const otp = await lastCodeFor(broker, '+34600000064', server);
    expect(await body(verify(`apikey=${other}&dest=%2B34600000064&otp=${otp}`))).toBe(REJECT);
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000065&otp=${otp}`))).toBe(REJECT); // nothing sent there
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000064&otp=${otp}`))).toBe(ACCEPT);
  });

  it('wrong codes → 3 Reject, five at most: then even the right code is a Reject, until a new send', async () => {
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000066`))).toBe(ACCEPT);
    const otp = await lastCodeFor(broker, '+34600000066', server);
    for (let i = 0; i < 5; i++) expect(await body(verify(`apikey=${apikey}&dest=%2B34600000066&otp=${wrongCodeFor(otp)}`))).toBe(REJECT);
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000066&otp=${otp}`))).toBe(REJECT);
    expect((await verificationsTo(broker, '+34600000066'))[0]).toMatchObject({ status: 'failed', reason: 'too_many_attempts' });
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000066`))).toBe(ACCEPT);
    const fresh = await lastCodeFor(broker, '+34600000066', server);
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000066&otp=${fresh}`))).toBe(ACCEPT);
  });

  it('a code past its lifetime → 4 Expired', async () => {
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000067`))).toBe(ACCEPT);
    const otp = await lastCodeFor(broker, '+34600000067', server);
    clock = 301_000;
    try {
      expect(await body(verify(`apikey=${apikey}&dest=%2B34600000067&otp=${otp}`))).toBe(EXPIRED);
    } finally {
      clock = 0;
    }
  });

  it('a second send is a resend: within the cooldown it is a Reject (with Retry-After); after it, the new code replaces the old', async () => {
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000068`))).toBe(ACCEPT);
    const first = await lastCodeFor(broker, '+34600000068', server);
    const early = await msg(`apikey=${apikey}&dest=%2B34600000068`);
    expect(early.text).toBe(REJECT);
    expect(Number(early.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    clock = 31_000;
    try {
      expect(await body(msg(`apikey=${apikey}&dest=%2B34600000068`))).toBe(ACCEPT);
      const second = await lastCodeFor(broker, '+34600000068', server);
      expect(await verificationsTo(broker, '+34600000068')).toHaveLength(1);
      if (second !== first) expect(await body(verify(`apikey=${apikey}&dest=%2B34600000068&otp=${first}`))).toBe(REJECT);
      expect(await body(verify(`apikey=${apikey}&dest=%2B34600000068&otp=${second}`))).toBe(ACCEPT);
    } finally {
      clock = 0;
    }
  });

  it('the per-number SMS limit holds across sends for different apps: the sixth in the hour is a Reject', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await body(msg(`apikey=${apikey}&dest=%2B34600000069&app=App${i}`)));
    expect(answers).toEqual([ACCEPT, ACCEPT, ACCEPT, ACCEPT, ACCEPT, REJECT]);
  });

  it('never logs the key, the number or the code', async () => {
    expect(await body(msg(`apikey=${apikey}&dest=%2B34600000070&app=Payroll`))).toBe(ACCEPT);
    const otp = await lastCodeFor(broker, '+34600000070', server);
    await verify(`apikey=${apikey}&dest=%2B34600000070&otp=${wrongCodeFor(otp)}&app=Payroll`);
    expect(await body(verify(`apikey=${apikey}&dest=%2B34600000070&otp=${otp}&app=Payroll`))).toBe(ACCEPT);
    const logs = brokerLogs(broker);
    expect(logs).toContain('/mpass-web/rest/mv/verify');
    expect(loggedSecrets(broker, [apikey, '34600000070', otp, wrongCodeFor(otp)])).toEqual([]);
  });
});

describe('mPass facade when no SMS can leave', () => {
  it('providers down → 100 Internal Error Occurred, and nothing crashes', async () => {
    const broker = await startTestBroker({ sandbox: false, env: { ...FACADE_ENV, SMS_PROVIDERS: 'http', SMS_HTTP_URL: 'http://127.0.0.1:9/sms', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' } });
    try {
      const { apiKey: apikey } = await createChannel(broker.deps.store, { name: 'billing', ips: ['127.0.0.52'] }, new Date());
      const res = await broker.device('127.0.0.52').get(`${broker.url}/mpass-web/rest/mv/msg?apikey=${apikey}&dest=%2B34600000071`);
      expect(res.status).toBe(200);
      expect(res.text).toBe(INTERNAL_ERROR);
      expect((await broker.device().get(`${broker.url}/healthz`)).status).toBe(200);
    } finally {
      await broker.close();
    }
  });
});
