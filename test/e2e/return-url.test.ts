import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';

/** What POST /v1/verifications answers for a returnUrl, over real HTTP (WiFi: no operator involved). */
describe('returnUrl against RETURN_URL_PREFIXES (no open redirect)', () => {
  let broker: TestBroker;
  let n = 0;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false, env: { RETURN_URL_PREFIXES: 'https://app.example.com/cb,https://shop.example.com/,https://bank.example.com,com.example.app://verified' } });
  });
  afterAll(() => broker.close());

  async function start(returnUrl: string) {
    n += 1;
    const phoneNumber = `+346000001${String(n).padStart(2, '0')}`;
    const res = await broker.device().post(`${broker.url}/v1/verifications`, { phoneNumber, network: 'wifi', returnUrl });
    return { status: res.status, body: res.json() };
  }

  it.each([
    'https://app.example.com/cb',
    'https://app.example.com/cb/',
    'https://app.example.com/cb/done?x=1',
    'https://app.example.com:443/cb/x',
    'https://shop.example.com/',
    'https://shop.example.com/any/path',
    'https://bank.example.com/done',
    'com.example.app://verified',
    'com.example.app://verified/result?id=1',
  ])('accepts %s', async (returnUrl) => {
    const { status, body } = await start(returnUrl);
    expect({ returnUrl, status, body: status === 201 ? 'ok' : body }).toEqual({ returnUrl, status: 201, body: 'ok' });
  });

  it.each([
    ['a look-alike host of a prefix without a path', 'https://bank.example.com.evil.com/done'],
    ['a look-alike host of a prefix without a path, with a port', 'https://bank.example.com:444/done'],
    ['the userinfo trick on a prefix without a path', 'https://bank.example.com@evil.com/'],
    ['a look-alike host', 'https://app.example.com.evil.com/cb'],
    ['a look-alike host with the prefix path', 'https://app.example.com.evil.com/cb/x'],
    ['the userinfo trick', 'https://app.example.com@evil.com/cb'],
    ['an @ right after the prefix path (no segment boundary)', 'https://app.example.com/cb@evil.com'],
    ['another port', 'https://app.example.com:8443/cb'],
    ['another scheme', 'http://app.example.com/cb'],
    ['no segment boundary', 'https://app.example.com/cbx'],
    ['dot-segments climbing out', 'https://app.example.com/cb/../admin'],
    ['encoded dot-segments', 'https://app.example.com/cb/%2e%2e/admin'],
    ['an encoded slash', 'https://app.example.com/cb%2F..%2Fadmin'],
    ['an encoded dot-segment inside the path', 'https://app.example.com/cb/..%2fadmin'],
    ['a backslash', 'https://app.example.com\\@evil.com/cb'],
    ['a fragment', 'https://app.example.com/cb#x'],
    ['credentials', 'https://user:pw@app.example.com/cb'],
    ['javascript:', 'javascript:alert(document.cookie)//https://app.example.com/cb'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a custom-scheme look-alike scheme', 'com.example.app.evil://verified'],
    ['a custom-scheme look-alike host', 'com.example.app://verified.evil'],
    ['a custom-scheme other host', 'com.example.app://evil/verified'],
    ['a custom scheme no prefix allows', 'com.evil.app://verified'],
    ['a relative URL', '/cb'],
  ])('refuses %s (%s) with 400 INVALID_ARGUMENT', async (_case, returnUrl) => {
    const { status, body } = await start(returnUrl);
    expect({ returnUrl, status, code: body.code }).toEqual({ returnUrl, status: 400, code: 'INVALID_ARGUMENT' });
    expect(body.message).toMatch(/returnUrl/);
  });
});
