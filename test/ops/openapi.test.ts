import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.js';
import { startBackgroundJobs } from '../../src/background.js';
import { createChannel } from '../../src/compat/mpass/channels.js';
import { createTestApplication } from '../support/applications.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import type { Device, DeviceResponse } from '../support/device.js';
import { CLOSED_SMS_GATEWAY_ENV, lastCodeFor, startOnWifi, wrongCodeFor } from '../support/sms.js';
import { describedRoutes, examplesOf, METHODS, resolve, routesOf, templateOf, validatorFor, type Spec } from './support/openapi.js';

const ADMIN_API_KEY = 'admin-key-for-the-openapi-tests-0123456789';
const COMPAT_WSO2_API_KEY = 'wso2-key-for-the-openapi-tests-0123456789';
const COMPAT_CLOUDSOFTPHONE_API_KEY = 'csp-key-for-the-openapi-tests-0123456789';
const METRICS_TOKEN = 'metrics-token-for-the-openapi-tests-012345';
/** what the notFound handler answers: a described path must never get it */
const NO_SUCH_ENDPOINT = { status: 404, code: 'NOT_FOUND', message: 'No such endpoint.' };
/** an application's app: where the device comes back after its checkUrl (issue 14) */
const DEEP_LINK = 'com.example.app://verified';

describe('the OpenAPI description (openapi/broker.json, served at /openapi.json)', () => {
  let broker: TestBroker;
  let spec: Spec;
  /** moves the broker's clock (an application's silent leg times out) */
  let clock = 0;
  beforeAll(async () => {
    // everything switched on, so every route the broker can have is in its route table
    broker = await startTestBroker({
      background: false,
      env: { METRICS: 'on', METRICS_TOKEN, ADMIN_API_KEY, COMPAT_WSO2_API_KEY, COMPAT_CLOUDSOFTPHONE_API_KEY, COMPAT_FACADES: 'cloudsoftphone,mpass,wso2', SMS_LIMIT_PER_PREFIX: '1000/3600', SMS_LIMIT_PER_IP: '1000/3600' },
      now: () => new Date(Date.now() + clock),
    });
    const res = await broker.device().get(`${broker.url}/openapi.json`);
    expect(res.status).toBe(200);
    spec = res.json();
  });
  afterAll(() => broker.close());

  it('is OpenAPI 3.1, served with this broker as its server, and is the file kept in the repository', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.servers).toEqual([{ url: broker.url }]);
    const kept = JSON.parse(readFileSync('openapi/broker.json', 'utf8')) as Spec;
    expect(spec.paths).toEqual(kept.paths);
    expect(spec.webhooks).toEqual(kept.webhooks);
  });

  it('describes every route of the route table, and nothing else', () => {
    const routed = routesOf(createApp(broker.deps));
    expect(routed.length).toBeGreaterThan(30);
    expect(routed).toContain('POST /v1/verifications/{id}/code');
    expect(routed).toContain('PATCH /scim2/Users/{id}');
    expect(describedRoutes(spec)).toEqual(routed);
  });

  it('served with parts switched off or moved, still describes exactly the routes this broker has', async () => {
    for (const env of <Array<Record<string, string>>>[
      { SANDBOX: 'off', COMPAT_FACADES: 'none', ...CLOSED_SMS_GATEWAY_ENV },
      { COMPAT_FACADES: 'cloudsoftphone', COMPAT_CLOUDSOFTPHONE_PATH: '/phone/verifier' },
      { METRICS: 'on', COMPAT_FACADES: 'mpass,wso2' },
    ]) {
      const other = await startTestBroker({ background: false, sandbox: env.SANDBOX === 'off' ? false : undefined, env });
      try {
        const served = (await other.device().get(`${other.url}/openapi.json`)).json() as Spec;
        expect({ env, described: describedRoutes(served) }).toEqual({ env, described: routesOf(createApp(other.deps)) });
        expect(Object.keys(served.webhooks!).includes('phone_number.updated')).toBe(env.COMPAT_FACADES.includes('wso2'));
      } finally {
        await other.close();
      }
    }
  });

  it('every described path and method is answered by its route, not by the "no such endpoint" handler', async () => {
    const device = broker.device();
    const checked: string[] = [];
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const method of METHODS.filter((m) => item[m])) {
        const parameters = [...(item.parameters ?? []), ...(item[method].parameters ?? [])].map((p: unknown) => resolve(spec, p));
        const path = template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(String(parameters.find((p) => p.name === name && p.in === 'path')?.example ?? 'x')));
        const res = await device.request(method.toUpperCase(), `${broker.url}${path}`, method === 'get' ? {} : { body: {} });
        if (res.status === 404 && res.text.startsWith('{')) expect({ route: `${method} ${template}`, body: res.json() }).not.toEqual({ route: `${method} ${template}`, body: NO_SUCH_ENDPOINT });
        checked.push(`${method} ${template}`);
      }
    }
    expect(checked.length).toBe(describedRoutes(spec).length);
    // and the check can tell: an undescribed path does get that handler
    expect((await device.get(`${broker.url}/v1/nothing-here`)).json()).toEqual(NO_SUCH_ENDPOINT);
  });

  it('every example validates against its schema', () => {
    const examples = examplesOf(spec);
    expect(examples.length).toBeGreaterThan(40);
    const problems = examples.flatMap((ex) => validatorFor(spec, ex.schema)(ex.value).map((p) => `${ex.where}: ${p}`));
    expect(problems).toEqual([]);
    // the validator does refuse what a schema forbids
    expect(validatorFor(spec, { $ref: '#/components/schemas/Verification' })({ id: 'vrf_x', status: 'maybe' })).not.toEqual([]);
    expect(validatorFor(spec, { $ref: '#/components/schemas/CodeRequest' })({ code: '123456', extra: true })).not.toEqual([]);
  });

  it('what the broker answers over a full run matches the description: every status described, every JSON body valid', async () => {
    const answers: Array<{ method: string; path: string; res: DeviceResponse }> = [];
    const call = async (device: Device, method: string, url: string, body?: unknown, headers?: Record<string, string>) => {
      const res = await device.request(method, url, { body: body as object | string | undefined, headers });
      answers.push({ method: method.toLowerCase(), path: new URL(url).pathname, res });
      return res;
    };
    const admin = { authorization: `Bearer ${ADMIN_API_KEY}` };
    const wso2 = { authorization: `Bearer ${COMPAT_WSO2_API_KEY}` };
    const provisioning = { authorization: `Bearer ${COMPAT_CLOUDSOFTPHONE_API_KEY}` };
    const u = broker.url;

    const anyone = broker.device();
    await call(anyone, 'GET', `${u}/readyz`);
    await broker.deps.operators.warmUp();
    await call(anyone, 'GET', `${u}/readyz`);
    await call(anyone, 'GET', `${u}/healthz`);
    await call(anyone, 'GET', `${u}/.well-known/jwks.json`);
    await call(anyone, 'GET', `${u}/metrics`);
    await call(anyone, 'GET', `${u}/metrics`, undefined, { authorization: `Bearer ${METRICS_TOKEN}` });
    await call(anyone, 'GET', `${u}/openapi.json`);
    await call(anyone, 'GET', `${u}/sandbox/info`);

    // silent, verified; read with the session token
    const phone = broker.device('127.0.0.2');
    await call(phone, 'GET', `${u}/login?phoneNumber=%2B34600000002&network=cellular`);
    const silent = await verifySilently(broker, phone, '+34600000002');
    const silentId = new URL(silent.callback.headers.location!).searchParams.get('verificationId')!;
    await call(phone, 'GET', `${u}/v1/verifications/${silentId}`);
    await call(anyone, 'GET', `${u}/v1/verifications/${silentId}`);
    await call(phone, 'POST', `${u}/v1/verifications/${silentId}/code`, { code: '123456' });
    // the callback answered in JSON; a replayed one is refused
    const again = broker.device('127.0.0.2');
    const { location } = await again.followUntil(`${u}/login?phoneNumber=%2B34600000002&network=cellular&redirect=true`, (n) => n.pathname === '/callback');
    await call(again, 'GET', location.href, undefined, { accept: 'application/json' });
    await call(again, 'GET', location.href, undefined, { accept: 'application/json' });

    // the app gives up on the silent leg
    const impatient = broker.device('127.0.0.2');
    const started = await call(impatient, 'POST', `${u}/v1/verifications`, { phoneNumber: '+34600000002', network: 'cellular' });
    await call(impatient, 'POST', `${u}/v1/verifications/${started.json().verificationId}/fallback`, {});
    await call(impatient, 'POST', `${u}/v1/verifications/${started.json().verificationId}/resend`, {});
    // …and cancels it with its session
    await call(impatient, 'DELETE', `${u}/v1/verifications/${started.json().verificationId}`);

    // WiFi: SMS, a wrong code, the right one
    const laptop = broker.device('127.0.0.60');
    const id = (await call(laptop, 'POST', `${u}/v1/verifications`, { phoneNumber: '+34600000061', network: 'wifi' })).json().verificationId as string;
    await call(laptop, 'GET', `${u}/sandbox/inbox?phoneNumber=%2B34600000061`);
    const code = await lastCodeFor(broker, '+34600000061', laptop);
    await call(laptop, 'POST', `${u}/v1/verifications/${id}/code`, { code: wrongCodeFor(code) });
    await call(laptop, 'POST', `${u}/v1/verifications/${id}/code`, { code: '12' });
    await call(laptop, 'POST', `${u}/v1/verifications/${id}/code`, { code });
    await call(laptop, 'GET', `${u}/v1/verifications/${id}`);
    await call(laptop, 'POST', `${u}/v1/verifications`, 'phoneNumber=+34600000062', { 'content-type': 'text/plain' });
    await call(laptop, 'POST', `${u}/v1/verifications`, '{"phoneNumber":', { 'content-type': 'application/json' });
    await call(laptop, 'POST', `${u}/v1/verifications`, { phoneNumber: '600000062' });
    await call(laptop, 'GET', `${u}/v1/verifications/vrf_doesnotexist`);
    await call(laptop, 'GET', `${u}/callback?state=forged`);

    // an application's backend, with its key (issue 14): coverage, a start, the device opens checkUrl, the code
    const app = await createTestApplication(broker, { returnUrlPrefixes: [DEEP_LINK] });
    const backend = broker.device('127.0.0.70');
    const fromBackend = (method: string, path: string, body?: unknown) => call(backend, method, `${u}${path}`, body, app.auth);
    await fromBackend('GET', '/v1/coverage?phoneNumber=%2B34600000002');
    await fromBackend('GET', '/v1/coverage?phoneNumber=%2B34910000000');
    await call(anyone, 'GET', `${u}/v1/coverage?phoneNumber=12`);
    await call(anyone, 'GET', `${u}/v1/coverage?phoneNumber=%2B34600000002`, undefined, { authorization: 'Bearer vbk_not-a-key' });
    const backendStart = await fromBackend('POST', '/v1/verifications', { phoneNumber: '+34600000002', returnUrl: DEEP_LINK, clientRef: 'order-42', clientIp: '203.0.113.7' });
    const { verificationId: appId, checkUrl } = backendStart.json();
    const sim = broker.device('127.0.0.2');
    const toOperator = await call(sim, 'GET', checkUrl);
    const { location: back } = await sim.followUntil(toOperator.headers.location!, (n) => n.pathname === '/callback' && n.origin === u);
    const deepLink = new URL((await call(sim, 'GET', back.href)).headers.location!);
    expect(deepLink.searchParams.get('status')).toBe('awaiting_completion');
    await fromBackend('GET', `/v1/verifications/${appId}`);
    await fromBackend('POST', `/v1/verifications/${appId}/code`, { code: deepLink.searchParams.get('code') });
    await fromBackend('GET', `/v1/verifications/${appId}`);
    await call(sim, 'GET', checkUrl);
    await fromBackend('DELETE', `/v1/verifications/${appId}`);
    // a session cannot read it; the application cannot read a session's
    await call(laptop, 'GET', `${u}/v1/verifications/${appId}`);
    await fromBackend('GET', `/v1/verifications/${id}`);
    const forged = new URL(checkUrl);
    forged.searchParams.set('token', 'A'.repeat(43));
    await call(sim, 'GET', forged.href);
    // the next channel: the silent leg abandoned, the SMS code checked by the backend
    const { verificationId: nextId } = (await fromBackend('POST', '/v1/verifications', { phoneNumber: '+34600000071', clientRef: 'order-43' })).json();
    await call(backend, 'POST', `${u}/v1/verifications/${nextId}/next`, 'next', { ...app.auth, 'content-type': 'text/plain' });
    await fromBackend('POST', `/v1/verifications/${nextId}/next`, {});
    await fromBackend('POST', `/v1/verifications/${nextId}/next`, {});
    await fromBackend('POST', `/v1/verifications/${nextId}/resend`, {});
    await fromBackend('POST', `/v1/verifications/${nextId}/code`, { code: await lastCodeFor(broker, '+34600000071', backend) });
    // cancelled by its application, not by another one
    const { verificationId: cancelId } = (await fromBackend('POST', '/v1/verifications', { phoneNumber: '+34600000072', workflow: [{ channel: 'silent_auth', timeoutSeconds: 120 }] })).json();
    const other = await createTestApplication(broker);
    await call(backend, 'DELETE', `${u}/v1/verifications/${cancelId}`, undefined, other.auth);
    await fromBackend('POST', `/v1/verifications/${cancelId}/fallback`, {});
    await fromBackend('DELETE', `/v1/verifications/${cancelId}`);
    await fromBackend('POST', `/v1/verifications/${cancelId}/next`, {});
    await fromBackend('DELETE', '/v1/verifications/vrf_doesnotexist');
    // the silent leg past its timeoutSeconds: the checkUrl is gone, the read says why
    const slow = (await fromBackend('POST', '/v1/verifications', { phoneNumber: '+34600000073', workflow: [{ channel: 'silent_auth', timeoutSeconds: 10 }, { channel: 'sms' }] })).json();
    clock += 11_000;
    try {
      await call(broker.device('127.0.0.2'), 'GET', slow.checkUrl);
      await fromBackend('GET', `/v1/verifications/${slow.verificationId}`);
    } finally {
      clock -= 11_000;
    }
    // refused starts: no silent check and no sms (422), a repeated channel (400), a wrong key (401), too many requests (429)
    await fromBackend('POST', '/v1/verifications', { phoneNumber: '+34600000074', network: 'wifi', workflow: [{ channel: 'silent_auth' }] });
    await fromBackend('POST', '/v1/verifications', { phoneNumber: '+34600000074', workflow: [{ channel: 'sms' }, { channel: 'sms' }] });
    await call(backend, 'POST', `${u}/v1/verifications`, { phoneNumber: '+34600000074' }, { authorization: `Bearer ${app.apiKey.slice(0, -1)}x` });
    const busy = await createTestApplication(broker, { limits: { requestsPerMinute: 1 } });
    await call(backend, 'GET', `${u}/v1/verifications/${appId}`, undefined, busy.auth);
    await call(backend, 'GET', `${u}/v1/verifications/${appId}`, undefined, busy.auth);

    // admin
    await call(anyone, 'GET', `${u}/v1/webhooks/deliveries`);
    const list = await call(anyone, 'GET', `${u}/v1/webhooks/deliveries?limit=5`, undefined, admin);
    await call(anyone, 'GET', `${u}/v1/webhooks/deliveries?limit=0`, undefined, admin);
    await call(anyone, 'POST', `${u}/v1/webhooks/deliveries/${list.json().deliveries[0].id}/replay`, undefined, admin);
    await call(anyone, 'POST', `${u}/v1/webhooks/deliveries/msg_nothing/replay`, undefined, admin);
    await call(anyone, 'GET', `${u}/sandbox/verifications`);
    await call(anyone, 'GET', `${u}/sandbox/deliveries`);

    // Cloud Softphone: the app asks for a PIN, the provisioning backend checks it
    const softphone = broker.device('127.0.0.64');
    const pinSent = await call(softphone, 'POST', `${u}/compat/cloudsoftphone/verify_number`, 'phoneNumber=%2B34600000064&appid=com.example', { 'content-type': 'application/x-www-form-urlencoded' });
    await call(softphone, 'GET', `${u}/compat/cloudsoftphone/verify_number?phoneNumber=%2B155`);
    const pin = await lastCodeFor(broker, '+34600000064', softphone);
    const check = { phoneNumber: '+34600000064', authToken: pinSent.json().authToken };
    await call(anyone, 'POST', `${u}/compat/cloudsoftphone/check`, check);
    await call(anyone, 'POST', `${u}/compat/cloudsoftphone/check`, { ...check, pin: wrongCodeFor(pin) }, provisioning);
    await call(anyone, 'POST', `${u}/compat/cloudsoftphone/check`, { ...check, pin }, provisioning);

    // mPass: a channel's server sends and checks a code
    const { apiKey } = await createChannel(broker.deps.store, { name: 'openapi-tests', ips: ['127.0.0.65'] }, new Date());
    const channelServer = broker.device('127.0.0.65');
    await call(channelServer, 'GET', `${u}/mpass-web/rest/mv/msg?apikey=${apiKey}&dest=%2B34600000065`);
    await call(anyone, 'GET', `${u}/mpass-web/rest/mv/msg?apikey=${apiKey}&dest=%2B34600000065`);
    const otp = await lastCodeFor(broker, '+34600000065', channelServer);
    await call(channelServer, 'GET', `${u}/mpass-web/rest/mv/verify?apikey=${apiKey}&dest=%2B34600000065&otp=${otp}`);

    // WSO2: a new mobile number, read back, its code resent and validated
    const scim = { ...wso2, 'content-type': 'application/scim+json' };
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { phoneNumbers: [{ type: 'mobile', value: '+34600000066' }] } }] };
    await call(anyone, 'PATCH', `${u}/scim2/Users/u-openapi`, JSON.stringify(patch), scim);
    await call(anyone, 'PATCH', `${u}/scim2/Users/u-openapi`, JSON.stringify({ ...patch, Operations: [{ op: 'remove', path: 'emails' }] }), scim);
    await call(anyone, 'GET', `${u}/scim2/Users/u-openapi`, undefined, wso2);
    await call(anyone, 'GET', `${u}/scim2/Users/u-nobody`, undefined, wso2);
    await call(anyone, 'GET', `${u}/scim2/Users/u-openapi`);
    await call(anyone, 'POST', `${u}/api/identity/user/v1.0/resend-code`, { user: { username: 'u-openapi' } }, wso2);
    await call(anyone, 'GET', `${u}/compat/wso2/users/u-openapi/silent-verify`, undefined, wso2);
    const wso2Code = await lastCodeFor(broker, '+34600000066', anyone);
    await call(anyone, 'POST', `${u}/api/identity/user/v1.0/validate-code`, { code: wrongCodeFor(wso2Code), user: { username: 'u-openapi' } }, wso2);
    await call(anyone, 'POST', `${u}/api/identity/user/v1.0/me/validate-code`, { code: wso2Code });
    await call(anyone, 'GET', `${u}/compat/wso2/users/u-openapi/silent-verify/done?verificationId=vrf_none`);

    const problems: string[] = [];
    for (const { method, path, res } of answers) {
      const where = `${method.toUpperCase()} ${path} → ${res.status}`;
      const template = templateOf(spec, path);
      const operation = template && spec.paths[template][method];
      if (!operation) {
        problems.push(`${where}: not described`);
        continue;
      }
      const response = resolve(spec, operation.responses[String(res.status)] ?? operation.responses.default);
      if (!response) {
        problems.push(`${where}: status not described`);
        continue;
      }
      const type = res.headers['content-type']?.split(';')[0];
      if (type === 'application/json' || type === 'application/scim+json') {
        const media = response.content?.[type];
        if (!media) problems.push(`${where}: ${type} answer, none described`);
        else problems.push(...validatorFor(spec, media.schema)(res.json()).map((p) => `${where}: ${p}`));
      } else if (res.text.length > 0 && type !== 'text/plain' && type !== 'text/html') {
        problems.push(`${where}: an answer of type ${type}`);
      }
    }
    expect(answers.length).toBeGreaterThan(50);
    expect(new Set(answers.map((a) => a.res.status)).size).toBeGreaterThan(9);
    expect(problems).toEqual([]);
    // the backend API's answers (issue 14) were all produced above, so each was checked against its description
    const seen = new Set(answers.map(({ method, path, res }) => `${method.toUpperCase()} ${templateOf(spec, path)} ${res.status}`));
    const backendApi = [
      ...['201', '400', '401', '422'].map((s) => `POST /v1/verifications ${s}`),
      ...['200', '403', '429'].map((s) => `GET /v1/verifications/{id} ${s}`),
      ...['200', '403', '404', '409'].map((s) => `DELETE /v1/verifications/{id} ${s}`),
      ...['202', '409', '415'].map((s) => `POST /v1/verifications/{id}/next ${s}`),
      ...['302', '404', '409', '410'].map((s) => `GET /v1/verifications/{id}/check ${s}`),
      ...['200', '400', '401'].map((s) => `GET /v1/coverage ${s}`),
      'POST /v1/verifications/{id}/code 200',
      'POST /v1/verifications/{id}/fallback 409',
    ];
    expect(backendApi.filter((answer) => !seen.has(answer))).toEqual([]);
  });
});

describe('the webhooks section', () => {
  let broker: TestBroker;
  let receiver: Server;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    broker = await startTestBroker({ background: false, env: { WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, WEBHOOK_POLL_MS: '20' } });
  });
  afterAll(async () => {
    await broker.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('describes the events as delivered: body and Standard Webhooks signature headers', async () => {
    const spec = (await broker.device().get(`${broker.url}/openapi.json`)).json() as Spec;
    await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');
    const laptop = broker.device('127.0.0.63');
    const { id } = await startOnWifi(broker, laptop, '+34600000063');
    const wrong = wrongCodeFor(await lastCodeFor(broker, '+34600000063', laptop));
    for (let i = 0; i < 5; i++) await laptop.post(`${broker.url}/v1/verifications/${id}/code`, { code: wrong });
    // an application's verification, cancelled by its backend: its own webhook URL, with its clientRef
    const app = await createTestApplication(broker, { webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/app-hooks` });
    const backend = broker.device('127.0.0.70');
    const started = await backend.request('POST', `${broker.url}/v1/verifications`, { body: { phoneNumber: '+34600000002', clientRef: 'order-42' }, headers: app.auth });
    expect((await backend.request('DELETE', `${broker.url}/v1/verifications/${started.json().verificationId}`, { headers: app.auth })).status).toBe(200);

    const background = startBackgroundJobs(broker.deps);
    try {
      const deadline = Date.now() + 5000;
      while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await background.stop();
    }
    expect(received.map((r) => JSON.parse(r.body).type).sort()).toEqual(['verification.cancelled', 'verification.failed', 'verification.succeeded']);
    expect(received.map((r) => JSON.parse(r.body).data.clientRef).filter(Boolean)).toEqual(['order-42']);

    for (const { headers, body } of received) {
      const event = JSON.parse(body);
      const operation = spec.webhooks![event.type].post;
      expect(validatorFor(spec, operation.requestBody.content['application/json'].schema)(event)).toEqual([]);
      for (const parameter of operation.parameters) {
        expect(parameter.in).toBe('header');
        expect(validatorFor(spec, parameter.schema)(headers[parameter.name])).toEqual([]);
      }
    }
  });
});
