import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Bodies that once reached `String(value)` or `value.map(String)` in a facade and became 500s. */
describe('hostile JSON to the facades is a 4xx in the facade format, never a 500 or an error log', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { COMPAT_FACADES: 'cloudsoftphone,mpass,wso2' }, background: false });
  });
  afterAll(() => broker?.close());
  const errorLines = () => broker.logs.filter((line) => line.startsWith('{') && JSON.parse(line).level >= 50);

  it.each([
    ['a toString object as the number', '{"phoneNumber":{"toString":1}}'],
    ['a valueOf object as the number', '{"number":{"valueOf":1,"toString":null}}'],
    ['7,000 nested arrays as the number', `{"phoneNumber":${nested(7000)}}`],
    ['a __proto__ key', '{"__proto__":{"phoneNumber":"+34600000002"},"constructor":{"prototype":{"x":1}}}'],
    ['an array as the app id', '{"number":"+34600000161","appid":["a"]}'],
    ['null as the number', '{"number":null}'],
  ])('Cloud Softphone verify_number: %s', async (_label, body) => {
    const res = await broker.device().post(`${broker.url}/compat/cloudsoftphone/verify_number`, body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: expect.any(String) });
    expect(errorLines()).toEqual([]);
  });

  it('Cloud Softphone check: a toString object as the PIN or token', async () => {
    const admin = { ...JSON_TYPE, authorization: `Bearer ${broker.deps.secrets.cloudSoftphoneApiKey}` };
    for (const body of ['{"phoneNumber":{"toString":1},"pin":"1","authToken":"a"}', `{"phoneNumber":"+34600000002","pin":${nested(7000)},"authToken":"a"}`]) {
      const res = await broker.device().post(`${broker.url}/compat/cloudsoftphone/check`, body, admin);
      expect([res.status, Object.keys(res.json())]).toEqual([400, ['message']]);
    }
    expect(errorLines()).toEqual([]);
  });

  it.each(['validate-code', 'resend-code'])('WSO2 privileged %s: toString objects and deep nesting in properties and user', async (endpoint) => {
    const admin = { ...JSON_TYPE, authorization: `Bearer ${broker.deps.secrets.wso2ApiKey}` };
    for (const body of [
      '{"code":"123456","properties":[{"key":{"toString":1}}]}',
      '{"code":"123456","properties":[{"key":"userId","value":{"toString":1}}]}',
      '{"code":"123456","properties":[{"key":"RecoveryScenario","value":{"toString":1}}],"user":{"username":"u1"}}',
      '{"code":{"toString":1},"user":{"username":"u1"}}',
      `{"code":"1","properties":${nested(7000)}}`,
      '{"code":"1","user":{"username":{"toString":1}}}',
      '[1,2]',
    ]) {
      const res = await broker.device().post(`${broker.url}/api/identity/user/v1.0/${endpoint}`, body, admin);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.json()).toEqual({ code: expect.any(String), message: expect.any(String), description: expect.any(String) });
    }
    expect(errorLines()).toEqual([]);
  });
});
