import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { API_KEY, MAX_KEYS } from '../../src/applications/application.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { DeviceResponse } from '../support/device.js';
import { resolve, templateOf, validatorFor, type Spec } from '../ops/support/openapi.js';

const ADMIN_API_KEY = 'admin-key-for-the-applications-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_API_KEY}` };

describe('the applications admin API (/v1/applications)', () => {
  let broker: TestBroker;
  let configDir: string;
  const spec = JSON.parse(readFileSync('openapi/broker.json', 'utf8')) as Spec;
  /** every answer, checked against the OpenAPI description at the end */
  const answers: Array<{ method: string; path: string; res: DeviceResponse }> = [];

  beforeAll(async () => {
    configDir = mkdtempSync(path.join(tmpdir(), 'broker-apps-config-'));
    const file = path.join(configDir, 'broker.json');
    writeFileSync(file, JSON.stringify({ applications: [{ id: 'shop' }] }));
    broker = await startTestBroker({ background: false, env: { ADMIN_API_KEY, BROKER_CONFIG: file } });
  });
  afterAll(async () => {
    await broker.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  async function call(method: string, pathname: string, body?: unknown, headers: Record<string, string> = admin) {
    const res = await broker.device().request(method, `${broker.url}${pathname}`, { body: body as object | string | undefined, headers });
    answers.push({ method: method.toLowerCase(), path: pathname, res });
    return res;
  }
  const create = (body: unknown, headers?: Record<string, string>) => call('POST', '/v1/applications', body, headers);
  const listed = async () => (await call('GET', '/v1/applications')).json().applications as Array<Record<string, any>>;

  it('create answers 201 with Location, the application and its key; list and show never hold the key or its hash', async () => {
    const res = await create({ name: 'Billing Team', webhookUrl: 'https://billing.example.com/hooks', returnUrlPrefixes: ['https://billing.example.com/done', 'com.example.billing://verified'], sms: { brand: 'Billing', languages: ['es', 'en'] }, countries: { allow: ['ES', 'PT'] } });
    expect(res.status).toBe(201);
    const { application, apiKey } = res.json();
    expect(apiKey).toMatch(API_KEY);
    expect(application.id).toMatch(/^billing-team-[0-9a-f]{6}$/);
    expect(res.headers.location).toBe(`/v1/applications/${application.id}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(application).toMatchObject({
      name: 'Billing Team',
      webhookUrl: 'https://billing.example.com/hooks',
      webhookSecret: expect.stringMatching(/^whsec_/),
      returnUrlPrefixes: ['https://billing.example.com/done', 'com.example.billing://verified'],
      sms: { brand: 'Billing', languages: ['es', 'en'] },
      countries: { allow: ['ES', 'PT'], deny: [] },
      limits: { requestsPerMinute: 600, startsPerMinute: 60, smsPerDay: 1000 },
    });
    const keyId = API_KEY.exec(apiKey)![1];
    expect(application.keys).toEqual([{ id: keyId, hint: `vbk_${keyId}_…`, createdAt: application.createdAt }]);

    // what is stored is the hash; neither it nor the key is ever shown again
    const stored = await broker.deps.store.applications.get(application.id);
    const hash = stored!.keys[0].hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const shown = (await call('GET', `/v1/applications/${application.id}`)).text;
    const all = JSON.stringify(await listed());
    for (const text of [shown, all, res.text]) expect(text).not.toContain(hash);
    for (const text of [shown, all]) {
      expect(text).toContain(keyId);
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(apiKey.slice(18)); // the secret part alone
      expect(text).not.toMatch(/"hash"/);
    }
    expect(JSON.parse(shown)).toEqual(application);
  });

  it('an id may be chosen; an id taken by a stored or a configured application is refused with 409 and nothing is written', async () => {
    const chosen = await create({ id: 'crm.v2', name: 'CRM' });
    expect(chosen.status).toBe(201);
    expect(chosen.json().application.id).toBe('crm.v2');
    const before = await listed();
    for (const id of ['crm.v2', 'default', 'shop']) {
      const res = await create({ id, name: 'Impostor' });
      expect({ id, status: res.status, code: res.json().code }).toEqual({ id, status: 409, code: 'CONFLICT' });
    }
    expect(await listed()).toEqual(before);
    expect((await call('GET', '/v1/applications/default')).status).toBe(404);
    expect((await call('GET', '/v1/applications/shop')).status).toBe(404);
  });

  it('PATCH changes the fields given and keeps the others; webhookUrl null removes it', async () => {
    const { application } = (await create({ name: 'Shop front', webhookUrl: 'https://shop.example.com/hooks', sms: { brand: 'Shop', languages: ['es'] }, limits: { smsPerDay: 50 } })).json();
    const res = await call('PATCH', `/v1/applications/${application.id}`, { name: 'Shop', sms: { brand: 'ShopCo' }, limits: { startsPerMinute: 5 }, countries: { deny: ['RU'] } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      ...application,
      name: 'Shop',
      sms: { brand: 'ShopCo', languages: ['es'] },
      limits: { requestsPerMinute: 600, startsPerMinute: 5, smsPerDay: 50 },
      countries: { allow: [], deny: ['RU'] },
      updatedAt: expect.any(String),
    });
    const removed = await call('PATCH', `/v1/applications/${application.id}`, { webhookUrl: null });
    expect(removed.status).toBe(200);
    expect(removed.json()).not.toHaveProperty('webhookUrl');
    expect(removed.json().webhookSecret).toBe(application.webhookSecret);
    expect((await broker.deps.store.applications.get(application.id))!.webhookUrl).toBeUndefined();
  });

  it('rotate adds a live key beside the old one; revoke lists it with revokedAt; revoking the last live key says so', async () => {
    const { application, apiKey } = (await create({ name: 'Rotator' })).json();
    const first = API_KEY.exec(apiKey)![1];
    const rotated = await call('POST', `/v1/applications/${application.id}/keys`);
    expect(rotated.status).toBe(201);
    const { apiKey: second, keyId, application: withTwo } = rotated.json();
    expect(second).toMatch(API_KEY);
    expect(API_KEY.exec(second)![1]).toBe(keyId);
    expect(withTwo.keys.map((k: { id: string }) => k.id)).toEqual([first, keyId]);
    expect(withTwo.keys.filter((k: { revokedAt?: string }) => !k.revokedAt)).toHaveLength(2);
    expect(rotated.text).not.toContain(apiKey);

    const revoked = await call('DELETE', `/v1/applications/${application.id}/keys/${first}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json()).toEqual({ application: expect.anything(), liveKeys: 1 });
    const keys = revoked.json().application.keys;
    expect(keys[0]).toEqual({ id: first, hint: `vbk_${first}_…`, createdAt: expect.any(String), revokedAt: expect.any(String) });
    expect(keys[1].revokedAt).toBeUndefined();
    // the store's key index still finds it (the app-key check refuses it by revokedAt)
    expect((await broker.deps.store.applications.findByKeyId(first))!.keys[0].revokedAt).toBe(keys[0].revokedAt);

    // again: nothing changes
    const again = await call('DELETE', `/v1/applications/${application.id}/keys/${first}`);
    expect(again.json().application.keys[0].revokedAt).toBe(keys[0].revokedAt);

    const last = await call('DELETE', `/v1/applications/${application.id}/keys/${keyId}`);
    expect(last.status).toBe(200);
    expect(last.json()).toMatchObject({ liveKeys: 0, warning: expect.stringMatching(/no live key/) });

    const unknown = await call('DELETE', `/v1/applications/${application.id}/keys/AAAAAAAAAAAA`);
    expect(unknown.status).toBe(404);
    expect((await call('DELETE', `/v1/applications/nobody/keys/${first}`)).status).toBe(404);
  });

  it(`refuses a key beyond ${MAX_KEYS} live ones with 409 and writes nothing; a revoked key makes room`, async () => {
    const { application } = (await create({ name: 'Hoarder' })).json();
    for (let i = 1; i < MAX_KEYS; i++) expect((await call('POST', `/v1/applications/${application.id}/keys`)).status).toBe(201);
    const refused = await call('POST', `/v1/applications/${application.id}/keys`);
    expect(refused.status).toBe(409);
    expect(refused.json().message).toMatch(/20 live keys, the most it may hold; revoke one first/);
    expect((await broker.deps.store.applications.get(application.id))!.keys).toHaveLength(MAX_KEYS);
    // once one is revoked there is room again: the oldest revoked key gives way, the live ones all stay
    const [first, second] = (await broker.deps.store.applications.get(application.id))!.keys;
    expect((await call('DELETE', `/v1/applications/${application.id}/keys/${second.id}`)).status).toBe(200);
    expect((await call('DELETE', `/v1/applications/${application.id}/keys/${first.id}`)).status).toBe(200);
    expect((await call('POST', `/v1/applications/${application.id}/keys`)).status).toBe(201);
    const keys = (await broker.deps.store.applications.get(application.id))!.keys;
    expect(keys).toHaveLength(MAX_KEYS);
    expect(keys.map((k) => k.id)).not.toContain(second.id);
    expect(keys.find((k) => k.id === first.id)?.revokedAt).toBeDefined();
  });

  it('without the admin key, with a wrong one, or with an application key: 401 on every endpoint', async () => {
    const { application, apiKey } = (await create({ name: 'Victim' })).json();
    const keyId = application.keys[0].id;
    const before = await listed();
    const endpoints: Array<[string, string, unknown?]> = [
      ['POST', '/v1/applications', { name: 'Intruder' }],
      ['GET', '/v1/applications'],
      ['GET', `/v1/applications/${application.id}`],
      ['PATCH', `/v1/applications/${application.id}`, { webhookUrl: 'https://evil.example.com/' }],
      ['POST', `/v1/applications/${application.id}/keys`],
      ['DELETE', `/v1/applications/${application.id}/keys/${keyId}`],
    ];
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-key' }, { authorization: `Bearer ${apiKey}` }, { authorization: ADMIN_API_KEY }]) {
      for (const [method, pathname, body] of endpoints) {
        const res = await call(method, pathname, body, headers);
        expect({ method, pathname, headers, status: res.status, code: res.json().code }).toEqual({ method, pathname, headers, status: 401, code: 'UNAUTHENTICATED' });
        expect(res.headers['www-authenticate']).toBe('Bearer realm="broker-admin"');
      }
    }
    expect(await listed()).toEqual(before);
  });

  it('unknown or hostile ids answer 404', async () => {
    for (const id of ['nobody', '..%2Fx', 'a%20b', 'x'.repeat(65)]) {
      for (const [method, pathname, body] of [['GET', `/v1/applications/${id}`], ['PATCH', `/v1/applications/${id}`, { name: 'x' }], ['POST', `/v1/applications/${id}/keys`]] as const) {
        const res = await call(method, pathname, body);
        expect({ pathname, status: res.status, code: res.json().code }).toEqual({ pathname, status: 404, code: 'NOT_FOUND' });
      }
    }
  });

  it('hostile or invalid input is refused (400, 415) and nothing changes', async () => {
    const { application } = (await create({ name: 'Target', returnUrlPrefixes: ['https://target.example.com/done'] })).json();
    const before = await listed();
    const bad: Array<[unknown, RegExp]> = [
      [{ name: 'x', webhookUrl: 'not a url' }, /^webhookUrl: /],
      [{ name: 'x', webhookUrl: 'javascript:alert(1)' }, /^webhookUrl: /],
      [{ name: 'x', returnUrlPrefixes: ['javascript://x/%0aalert(1)'] }, /^returnUrlPrefixes\.0: must be an http\(s\) URL or an app deep link/],
      [{ name: 'x', returnUrlPrefixes: ['https://a.example.com/cb?next=evil'] }, /^returnUrlPrefixes\.0: /],
      [{ name: 'x', isAdmin: true }, /^Unknown body field: isAdmin\.$/],
      [{ name: 'x', keys: [] }, /^Unknown body field: keys\.$/],
      [{ name: 'x', webhookSecret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /^Unknown body field: webhookSecret\.$/],
      [{ name: 'x', sms: { brand: 'B', sender: '+1' } }, /^Unknown body field: sender\.$/],
      [{ name: 'x', countries: { allow: ['es'] } }, /^countries\.allow\.0: /],
      [{ name: 'x', limits: { smsPerDay: -1 } }, /^limits\.smsPerDay: /],
      [{ name: '' }, /^name: /],
      [{ name: 'x', id: '../etc' }, /^id: /],
      [{}, /^name: /],
      [[], /body/],
    ];
    for (const [body, message] of bad) {
      const res = await create(body);
      expect({ body, status: res.status, code: res.json().code }).toEqual({ body, status: 400, code: 'INVALID_ARGUMENT' });
      expect(res.json().message).toMatch(message);
    }
    for (const [body, message] of bad.slice(0, 10)) {
      const { name: _, ...change } = body as Record<string, unknown>;
      const res = await call('PATCH', `/v1/applications/${application.id}`, change);
      expect({ change, status: res.status }).toEqual({ change, status: 400 });
      expect(res.json().message).toMatch(message);
    }
    const notJson = await call('POST', '/v1/applications', '{"name":', { ...admin, 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.json()).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: 'The request body is not valid JSON.' });
    expect((await call('PATCH', `/v1/applications/${application.id}`, '{"name": "x"', { ...admin, 'content-type': 'application/json' })).status).toBe(400);
    const form = await call('POST', '/v1/applications', 'name=x', { ...admin, 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect((await call('PATCH', `/v1/applications/${application.id}`, 'name=x', { ...admin, 'content-type': 'text/plain' })).status).toBe(415);
    expect(await listed()).toEqual(before);
  });

  it('every answer above is described by openapi/broker.json: its status, and its JSON body', () => {
    expect(answers.length).toBeGreaterThan(100);
    const problems = new Set<string>();
    for (const { method, path: pathname, res } of answers) {
      const where = `${method.toUpperCase()} ${pathname} → ${res.status}`;
      const template = templateOf(spec, pathname);
      const operation = template && spec.paths[template][method];
      const response = operation && resolve(spec, operation.responses[String(res.status)]);
      if (!response) {
        problems.add(`${where}: not described`);
        continue;
      }
      for (const p of validatorFor(spec, response.content['application/json'].schema)(res.json())) problems.add(`${where}: ${p}`);
    }
    expect([...problems]).toEqual([]);
  });
});
