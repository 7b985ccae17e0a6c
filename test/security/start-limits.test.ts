import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clientNetworkOf } from '../../src/flows/client-network.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { deleteKeys, REDIS_URL, uniquePrefix, whyNoRedis } from '../store/support/redis.js';

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the Redis half of the start limit tests: ${skipBecause}\n`);

describe('the key a per-client limit counts under', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::FFFF:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.7', '64:ff9b:0:0::/64'],
    ['1:2:3:4:5:6:192.0.2.7', '1:2:3:4::/64'],
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['not an address', 'unknown'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientNetworkOf(ip)).toBe(key);
  });
});

for (const kind of ['sqlite', 'redis'] as const) {
  const describeStore = kind === 'redis' && skipBecause ? describe.skip : describe;
  describeStore(`starting verifications is limited per client network and per number (${kind})`, () => {
    const prefix = uniquePrefix('start-limits');
    let broker: TestBroker;
    beforeAll(async () => {
      const store = kind === 'redis' ? { STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: prefix } : {};
      const env = { START_LIMIT_PER_IP: '3/60', START_LIMIT_PER_NUMBER: '2/3600', TRUST_PROXY: 'loopback', COMPAT_FACADES: 'cloudsoftphone', ...store };
      broker = await startTestBroker({ env, background: false });
    });
    afterAll(async () => {
      await broker?.close();
      if (kind === 'redis') await deleteKeys(prefix);
    });
    const start = (address: string, phoneNumber: string, headers: Record<string, string> = {}) =>
      broker.device(address).post(`${broker.url}/v1/verifications`, { phoneNumber, network: 'cellular' }, headers);

    it('the start after START_LIMIT_PER_IP from one address is a 429 TOO_MANY_REQUESTS with Retry-After; another address may start', async () => {
      for (const n of ['+34600000101', '+34600000102', '+34600000103']) expect((await start('127.0.0.5', n)).status).toBe(201);
      const refused = await start('127.0.0.5', '+34600000104');
      expect([refused.status, refused.json().code]).toEqual([429, 'TOO_MANY_REQUESTS']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      // GET /login is a start too
      expect((await broker.device('127.0.0.5').get(`${broker.url}/login?phoneNumber=%2B34600000105`)).status).toBe(429);
      expect((await start('127.0.0.6', '+34600000104')).status).toBe(201);
    });

    it('the start after START_LIMIT_PER_NUMBER for one number is a 429 whatever the address it comes from', async () => {
      expect((await start('127.0.0.7', '+34600000110')).status).toBe(201);
      expect((await start('127.0.0.8', '+34600000110')).status).toBe(201);
      const refused = await start('127.0.0.9', '+34600000110');
      expect([refused.status, refused.json().code]).toEqual([429, 'TOO_MANY_REQUESTS']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
      // the refusal took nothing from 127.0.0.9's own allowance
      for (const n of ['+34600000111', '+34600000112', '+34600000113']) expect((await start('127.0.0.9', n)).status).toBe(201);
    });

    it('IPv6 clients are counted per /64: another address of the same /64 shares the limit, another /64 does not', async () => {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      expect((await start('127.0.0.1', '+34600000121', from('2001:db8:a:b::1'))).status).toBe(201);
      expect((await start('127.0.0.1', '+34600000122', from('2001:db8:a:b::2'))).status).toBe(201);
      expect((await start('127.0.0.1', '+34600000123', from('2001:db8:a:b:ffff:1:2:3'))).status).toBe(201);
      expect((await start('127.0.0.1', '+34600000124', from('2001:db8:a:b::4'))).status).toBe(429);
      expect((await start('127.0.0.1', '+34600000124', from('2001:db8:a:c::4'))).status).toBe(201);
    });

    it('an IPv4-mapped IPv6 address counts as the IPv4 address', async () => {
      for (const n of ['+34600000131', '+34600000132', '+34600000133']) expect((await start('127.0.0.1', n, { 'x-forwarded-for': '198.51.100.9' })).status).toBe(201);
      expect((await start('127.0.0.1', '+34600000134', { 'x-forwarded-for': '::ffff:198.51.100.9' })).status).toBe(429);
    });

    it('the Cloud Softphone facade is limited too, and says so in its own format', async () => {
      const verify = (n: string) => broker.device('127.0.0.20').post(`${broker.url}/compat/cloudsoftphone/verify_number`, `number=${encodeURIComponent(n)}`);
      for (const n of ['+34600000141', '+34600000142', '+34600000143']) expect((await verify(n)).status).toBe(200);
      const refused = await verify('+34600000144');
      expect(refused.status).toBe(429);
      expect(refused.json()).toEqual({ message: expect.stringMatching(/^Too many codes were requested/) });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
}

describe('the SMS per-IP limit counts IPv6 clients per /64 too', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { SMS_LIMIT_PER_IP: '2/3600', TRUST_PROXY: 'loopback' }, background: false });
  });
  afterAll(() => broker?.close());

  it('the third code asked from one /64, from three addresses, is refused; another /64 gets its code', async () => {
    const ask = (ip: string, n: string) => broker.device().post(`${broker.url}/v1/verifications`, { phoneNumber: n, network: 'wifi' }, { 'x-forwarded-for': ip });
    expect((await ask('2001:db8:5:6::1', '+34600000151')).json().status).toBe('otp_sent');
    expect((await ask('2001:db8:5:6::2', '+34600000152')).json().status).toBe('otp_sent');
    const third = await ask('2001:db8:5:6:7:8:9:a', '+34600000153');
    expect(third.json().verification.events).toContainEqual(expect.objectContaining({ type: 'sms_refused', detail: { code: 'TOO_MANY_REQUESTS' } }));
    expect((await ask('2001:db8:5:7::1', '+34600000154')).json().status).toBe('otp_sent');
  });
});
