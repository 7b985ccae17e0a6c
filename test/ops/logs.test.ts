import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createChannel } from '../../src/compat/mpass/channels.js';
import { StoreUnavailable } from '../../src/errors.js';
import { createLogger } from '../../src/logging.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import { askForCode, lastCodeFor, startOnWifi, wrongCodeFor } from '../support/sms.js';

type Line = Record<string, any>;

/**
 * The log line holding `secret`, if any. A short digit secret (a code, a PIN) counts only as a value of its
 * own, not as a run inside a timestamp (`"time":1795427657203`) or a random id, which it matches now and then.
 */
function lineHolding(lines: string[], secret: string): string | undefined {
  if (!/^\d{1,10}$/.test(secret)) return lines.find((l) => l.includes(secret));
  const alone = new RegExp(`(?<![A-Za-z0-9_-])${secret}(?![A-Za-z0-9_-])`);
  return lines.find((l) => alone.test(l));
}

/** the broker's log lines; the console SMS provider's own prints (`[sms console] …`) are not log lines */
function logLines(broker: TestBroker): { raw: string[]; lines: Line[] } {
  const raw = broker.logs.filter((line) => !line.startsWith('[sms console]'));
  return { raw, lines: raw.map((line) => JSON.parse(line) as Line) };
}

describe('logs', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false, env: { COMPAT_FACADES: 'cloudsoftphone,mpass,wso2' } });
  });
  afterAll(() => broker.close());

  it('a full silent and SMS run leaves no full number, code, operator code, cookie or session token in the logs', async () => {
    const secrets: string[] = [broker.deps.secrets.adminApiKey, broker.deps.secrets.wso2ApiKey, broker.deps.secrets.cloudSoftphoneApiKey, broker.deps.secrets.webhookSecret, broker.deps.secrets.sessionSecret, broker.deps.secrets.otpSecret];

    // silent: the SIM holds the number
    const phone = broker.device('127.0.0.2');
    const silent = await verifySilently(broker, phone, '+34600000002');
    secrets.push('+34600000002', '34600000002', silent.callbackUrl.searchParams.get('code')!, silent.callbackUrl.searchParams.get('state')!);
    const silentId = new URL(silent.callback.headers.location!).searchParams.get('verificationId')!;
    const silentRead = (await phone.get(`${broker.url}/v1/verifications/${silentId}`)).json();
    expect(silentRead.status).toBe('verified');
    secrets.push(silentRead.sessionToken);

    // silent, but the SIM holds another number: SMS fallback, then the code
    const other = broker.device('127.0.0.3');
    const mismatch = await verifySilently(broker, other, '+34600000041');
    secrets.push('+34600000041', mismatch.callbackUrl.searchParams.get('code')!);
    const mismatchId = new URL(mismatch.callback.headers.location!).searchParams.get('verificationId')!;
    await askForCode(broker, other, mismatchId);
    const mismatchCode = await lastCodeFor(broker, '+34600000041', other);
    const mismatchCheck = (await other.post(`${broker.url}/v1/verifications/${mismatchId}/code`, { code: mismatchCode })).json();
    expect(mismatchCheck.status).toBe('verified');
    secrets.push(mismatchCode, mismatchCheck.sessionToken);

    // WiFi: straight to SMS, a resend refused by the cooldown, then the code
    const laptop = broker.device('127.0.0.40');
    const { id } = await startOnWifi(broker, laptop, '+34600000042');
    expect((await laptop.post(`${broker.url}/v1/verifications/${id}/resend`, {})).status).toBe(429);
    const code = await lastCodeFor(broker, '+34600000042', laptop);
    const checked = (await laptop.post(`${broker.url}/v1/verifications/${id}/code`, { code })).json();
    expect(checked.status).toBe('verified');
    secrets.push('+34600000042', '34600000042', code, checked.sessionToken);
    secrets.push(sessionIdOf(laptop));

    const { raw } = logLines(broker);
    expect(raw.length).toBeGreaterThan(10);
    // the search finds what it looks for: the console SMS lines do carry the codes
    expect(lineHolding(broker.logs.filter((line) => line.startsWith('[sms console]')), code)).toBeDefined();
    for (const secret of secrets) {
      expect(secret && secret.length >= 6).toBeTruthy();
      const leak = lineHolding(raw, secret);
      if (leak) throw new Error(`a log line holds a secret: ${leak}`);
    }
    const all = raw.join('\n');
    // numbers show masked where a line names one
    expect(all).toContain('+3460*****41');
  });

  it("the facades' keys, tokens, numbers and codes stay out of the logs too", async () => {
    const provisioning = { authorization: `Bearer ${broker.deps.secrets.cloudSoftphoneApiKey}` };
    const wso2 = { authorization: `Bearer ${broker.deps.secrets.wso2ApiKey}` };
    // Cloud Softphone: the number in a form, the authToken and PIN in the backend's check
    const softphone = broker.device('127.0.0.46');
    const { authToken } = (await softphone.post(`${broker.url}/compat/cloudsoftphone/verify_number`, 'phoneNumber=%2B34600000046', { 'content-type': 'application/x-www-form-urlencoded' })).json();
    const pin = await lastCodeFor(broker, '+34600000046', softphone);
    await softphone.post(`${broker.url}/compat/cloudsoftphone/check`, { phoneNumber: '+34600000046', pin: wrongCodeFor(pin), authToken }, provisioning);
    expect((await softphone.post(`${broker.url}/compat/cloudsoftphone/check`, { phoneNumber: '+34600000046', pin, authToken }, provisioning)).status).toBe(200);
    // mPass: the channel key, the number and the code in the query
    const { apiKey } = await createChannel(broker.deps.store, { name: 'logs', ips: ['127.0.0.47'] }, new Date());
    const server = broker.device('127.0.0.47');
    await server.get(`${broker.url}/mpass-web/rest/mv/msg?apikey=${apiKey}&dest=%2B34600000047`);
    const otp = await lastCodeFor(broker, '+34600000047', server);
    expect((await server.get(`${broker.url}/mpass-web/rest/mv/verify?apikey=${apiKey}&dest=34600000047&otp=${otp}`)).json().status).toBe('0');
    // WSO2: a user's new number in a SCIM PATCH, its code validated; a forged user token refused
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'mobile', value: '+34600000048' }] } }] };
    await server.request('PATCH', `${broker.url}/scim2/Users/u-logs`, { body: patch, headers: wso2 });
    const code = await lastCodeFor(broker, '+34600000048', server);
    const forged = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LWxvZ3MifQ.c2lnbmF0dXJlLXRoYXQtaXMtbm90';
    await server.post(`${broker.url}/api/identity/user/v1.0/me/validate-code`, { code }, { authorization: `Bearer ${forged}` });
    expect((await server.post(`${broker.url}/api/identity/user/v1.0/validate-code`, { code, user: { username: 'u-logs' } }, wso2)).status).toBe(200);

    const { raw } = logLines(broker);
    expect(raw.join('\n')).toContain('/compat/cloudsoftphone/check');
    for (const secret of [authToken, pin, apiKey, otp, code, forged, broker.deps.secrets.wso2ApiKey, broker.deps.secrets.cloudSoftphoneApiKey, '34600000046', '34600000047', '34600000048']) {
      const leak = lineHolding(raw, secret);
      if (leak) throw new Error(`a log line holds a secret: ${leak}`);
    }
  });

  it('every line written while handling a verification request carries its correlator and verificationId', async () => {
    const laptop = broker.device('127.0.0.43');
    const correlator = 'ops-logs-correlator-1';
    const res = await laptop.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000043', network: 'wifi' }, { 'x-correlator': correlator });
    expect(res.status).toBe(201);
    expect(res.headers['x-correlator']).toBe(correlator);
    const id = res.json().verificationId as string;

    const { lines } = logLines(broker);
    const ofRequest = lines.filter((l) => l.correlator === correlator);
    // the request line, at least
    const done = ofRequest.find((l) => l.msg === 'request completed');
    expect(done).toMatchObject({ verificationId: id, req: { method: 'POST', path: '/v1/verifications' }, res: { statusCode: 201 } });
    expect(typeof done!.responseTime).toBe('number');
    for (const line of lines.filter((l) => l.verificationId === id)) expect(line.correlator).toBe(correlator);

    // a flow's own line inside a request gets the request's fields too: make the SMS providers fail
    const failing = await startTestBroker({ background: false, env: { SMS_PROVIDERS: 'http,console', SMS_HTTP_URL: 'http://127.0.0.1:9/none', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' } });
    try {
      const r = await failing.device('127.0.0.44').post(`${failing.url}/v1/verifications`, { phoneNumber: '+34600000044', network: 'wifi' }, { 'x-correlator': 'ops-logs-correlator-2' });
      const vid = r.json().verificationId as string;
      const flowLine = logLines(failing).lines.find((l) => l.msg === 'SMS provider failed; trying the next');
      expect(flowLine).toMatchObject({ correlator: 'ops-logs-correlator-2', verificationId: vid, phoneNumber: '+3460*****44' });
    } finally {
      await failing.close();
    }
  });

  it('request lines hold the path without its query, and no headers', async () => {
    const laptop = broker.device('127.0.0.45');
    await laptop.get(`${broker.url}/login?phoneNumber=%2B34600000045&network=wifi`, { authorization: 'Bearer not-a-real-token-but-secret' });
    const { raw, lines } = logLines(broker);
    const line = lines.find((l) => l.msg === 'request completed' && l.req?.path === '/login' && l.res?.statusCode === 200);
    expect(line).toBeDefined();
    expect(Object.keys(line!.req).sort()).toEqual(['method', 'path', 'remoteAddress']);
    expect(raw.join('\n')).not.toContain('not-a-real-token-but-secret');
    expect(raw.join('\n')).not.toContain('34600000045');
  });

  it('a request refused for its x-correlator is logged too, under the correlator generated for it', async () => {
    const res = await broker.device().get(`${broker.url}/v1/verifications/vrf_x`, { 'x-correlator': 'not a valid correlator!' });
    expect(res.status).toBe(400);
    const line = logLines(broker).lines.find((l) => l.correlator === res.headers['x-correlator'] && l.req);
    expect(line).toMatchObject({ req: { method: 'GET', path: '/v1/verifications/vrf_x' }, res: { statusCode: 400 } });
  });

  it('redaction: codes, tokens and keys replaced, numbers masked, error codes and error causes kept', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void lines.push(l) } });
    const outage = new StoreUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED', config: { headers: { authorization: 'Bearer leaked-token' } } }));
    logger.warn({ code: '123456', token: 'abc.def.ghi', apiKey: 'mpk_secret', phoneNumber: '+34600000090', detail: { code: 'SplxlOBeZQQYbYS6WxSbIA', access_token: 'at' }, err: outage }, 'x');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ code: '[redacted]', token: '[redacted]', apiKey: '[redacted]', phoneNumber: '+3460*****90', detail: { code: '[redacted]', access_token: '[redacted]' } });
    expect(line.err).toMatchObject({ type: 'StoreUnavailable', code: 'STORE_UNAVAILABLE', cause: { type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' } });
    expect(lines[0]).not.toContain('leaked-token');
  });

  it('probes are not logged', async () => {
    const before = broker.logs.length;
    await broker.device().get(`${broker.url}/healthz`);
    expect(broker.logs.slice(before).map((l) => JSON.parse(l).req?.path)).not.toContain('/healthz');
  });
});

/** the session id inside the device's signed `vsid` cookie (Device keeps its jar private) */
function sessionIdOf(device: unknown): string {
  const jar = (device as { cookies: Map<string, Map<string, string>> }).cookies.get('127.0.0.1')!;
  return decodeURIComponent(jar.get('vsid')!).replace(/^s:/, '').split('.')[0];
}
