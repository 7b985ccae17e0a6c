import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadOrCreateSecrets } from '../../src/keys/secrets.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device, DeviceResponse } from '../support/device.js';
import { FACADE_ENV } from './support/facades.js';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * One key per role: the admin key (webhook deliveries), the WSO2 key (SCIM, privileged validate-code and
 * resend-code, silent-verify as the backend) and the Cloud Softphone provisioning key (check). A key that
 * leaks from one integration must open nothing of the others.
 */
describe('each role has its own API key', () => {
  let broker: TestBroker;
  let caller: Device;
  beforeAll(async () => {
    broker = await startTestBroker({ env: FACADE_ENV });
    caller = broker.device('127.0.0.80');
  });
  afterAll(() => broker.close());

  const keys = () => broker.deps.secrets;
  const adminCall = (key: string) => caller.get(`${broker.url}/v1/webhooks/deliveries`, bearer(key));
  const wso2Calls = (key: string): Array<() => Promise<DeviceResponse>> => [
    () => caller.get(`${broker.url}/scim2/Users/someone`, bearer(key)),
    () => caller.request('PATCH', `${broker.url}/scim2/Users/someone`, { body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] }, headers: bearer(key) }),
    () => caller.post(`${broker.url}/api/identity/user/v1.0/validate-code`, { code: '123456', properties: [] }, bearer(key)),
    () => caller.post(`${broker.url}/api/identity/user/v1.0/resend-code`, { properties: [] }, bearer(key)),
    () => caller.get(`${broker.url}/compat/wso2/users/someone/silent-verify`, bearer(key)),
  ];
  const checkCall = (key: string) => caller.post(`${broker.url}/compat/cloudsoftphone/check`, { phoneNumber: '+34600000081' }, bearer(key));

  it('the three keys are generated, distinct and long', () => {
    const { adminApiKey, wso2ApiKey, cloudSoftphoneApiKey } = keys();
    expect(new Set([adminApiKey, wso2ApiKey, cloudSoftphoneApiKey]).size).toBe(3);
    for (const key of [adminApiKey, wso2ApiKey, cloudSoftphoneApiKey]) expect(key.length).toBeGreaterThanOrEqual(24);
  });

  it('the admin key opens the webhook deliveries and nothing of the facades', async () => {
    expect((await adminCall(keys().adminApiKey)).status).toBe(200);
    for (const call of wso2Calls(keys().adminApiKey)) expect((await call()).status).toBe(401);
    expect((await checkCall(keys().adminApiKey)).status).toBe(401);
  });

  it('the WSO2 key opens the WSO2 endpoints and is refused, in each format, elsewhere', async () => {
    for (const call of wso2Calls(keys().wso2ApiKey)) expect((await call()).status).not.toBe(401);
    const admin = await adminCall(keys().wso2ApiKey);
    expect(admin.status).toBe(401);
    expect(admin.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const check = await checkCall(keys().wso2ApiKey);
    expect(check.status).toBe(401);
    expect(check.json()).toEqual({ message: 'This request needs the backend API key.' });
  });

  it('the Cloud Softphone key opens check and is refused, in each format, elsewhere', async () => {
    expect((await checkCall(keys().cloudSoftphoneApiKey)).status).toBe(400);
    expect((await adminCall(keys().cloudSoftphoneApiKey)).status).toBe(401);
    const [scimGet, , privileged] = wso2Calls(keys().cloudSoftphoneApiKey);
    const scim = await scimGet();
    expect(scim.status).toBe(401);
    expect(scim.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    expect(scim.headers['www-authenticate']).toMatch(/^Bearer realm="wso2"/);
    const identity = await privileged();
    expect(identity.status).toBe(401);
    expect(identity.json()).toMatchObject({ code: '17002', message: 'Invalid Credentials' });
  });
});

describe('API keys from the environment', () => {
  const WSO2_KEY = 'wso2-key-from-the-environment-0123456789';
  const CSP_KEY = 'csp-key-from-the-environment-0123456789';
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { ...FACADE_ENV, COMPAT_WSO2_API_KEY: WSO2_KEY, COMPAT_CLOUDSOFTPHONE_API_KEY: CSP_KEY } });
  });
  afterAll(() => broker.close());

  it('COMPAT_WSO2_API_KEY and COMPAT_CLOUDSOFTPHONE_API_KEY replace the generated keys', async () => {
    const generated = JSON.parse(readFileSync(path.join(broker.dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    const caller = broker.device();
    expect((await caller.get(`${broker.url}/scim2/Users/someone`, bearer(WSO2_KEY))).status).toBe(404);
    expect((await caller.get(`${broker.url}/scim2/Users/someone`, bearer(generated.wso2ApiKey))).status).toBe(401);
    expect((await caller.post(`${broker.url}/compat/cloudsoftphone/check`, {}, bearer(CSP_KEY))).status).toBe(400);
    expect((await caller.post(`${broker.url}/compat/cloudsoftphone/check`, {}, bearer(generated.cloudSoftphoneApiKey))).status).toBe(401);
  });
});

describe('secrets.json from an older broker', () => {
  it('gets the missing keys and keeps the ones it had', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'secrets-'));
    try {
      const old = { sessionSecret: 's'.repeat(43), otpSecret: 'o'.repeat(43), adminApiKey: `adm_${'a'.repeat(32)}`, webhookSecret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` };
      writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify(old));
      const { secrets, created } = loadOrCreateSecrets(dataDir);
      expect(created.sort()).toEqual(['cloudSoftphoneApiKey', 'wso2ApiKey']);
      expect(secrets).toMatchObject(old);
      expect(JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'))).toEqual(secrets);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
