import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigInvalid, loadConfig } from '../../src/config/index.js';
import { startTestBroker } from '../support/broker.js';
import { startSmsGateway, type SmsGateway } from '../support/sms.js';

const FORWARDED = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https', 'x-correlator': 'ops-proxy' };

let sms: SmsGateway;
beforeAll(async () => {
  sms = await startSmsGateway();
});
afterAll(() => sms.close());

// an https PUBLIC_URL turns the sandbox off, so the codes go to a real (loopback) SMS gateway
async function startBehindTls(env: Record<string, string>) {
  const broker = await startTestBroker({ background: false, sandbox: false, env: { PUBLIC_URL: 'https://verify.example.test', SANDBOX: 'off', ...sms.env, ...env } });
  const res = await broker.device('127.0.0.1').post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000080', network: 'wifi' }, FORWARDED);
  const line = broker.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.correlator === 'ops-proxy' && l.req);
  return { broker, res, line };
}

function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ DATA_DIR: '/tmp/broker-proxy-test', ...env });
  } catch (err) {
    if (err instanceof ConfigInvalid) return err.problems.join('\n');
    throw err;
  }
  return '';
}

describe('behind a TLS-terminating reverse proxy', () => {
  it('with TRUST_PROXY, the client address and https come from the proxy: the __Host- session cookie is set, Secure, Path=/, no Domain', async () => {
    const { broker, res, line } = await startBehindTls({ TRUST_PROXY: 'loopback' });
    try {
      expect(res.status).toBe(201);
      const cookie = res.headers['set-cookie']?.join() ?? '';
      expect(cookie).toMatch(/^__Host-vsid=[^;]+; Path=\/;.*; Secure/);
      expect(cookie).not.toMatch(/Domain=/i);
      expect(line.req.remoteAddress).toBe('198.51.100.7');
    } finally {
      await broker.close();
    }
  });

  it('a hop count works as TRUST_PROXY: one proxy in front is trusted', async () => {
    const { broker, res, line } = await startBehindTls({ TRUST_PROXY: '1' });
    try {
      expect(res.status).toBe(201);
      expect(line.req.remoteAddress).toBe('198.51.100.7');
    } finally {
      await broker.close();
    }
  });

  it('without it, the broker sees plain HTTP from the proxy: no session cookie, and the proxy as every client', async () => {
    const { broker, res, line } = await startBehindTls({});
    try {
      expect(res.status).toBe(201);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(line.req.remoteAddress).toBe('127.0.0.1');
    } finally {
      await broker.close();
    }
  });

  it('TRUST_PROXY=true (every hop, so any client can spoof X-Forwarded-For) stops the start, pointing at a hop count or addresses', () => {
    expect(refusal({ TRUST_PROXY: 'true' })).toMatch(/^TRUST_PROXY: .*hop.*(e\.g\. 1).*addresses\/subnets/);
    expect(refusal({ TRUST_PROXY: 'TRUE' })).toMatch(/^TRUST_PROXY:/);
    expect(refusal({ TRUST_PROXY: '2' })).toBe('');
    expect(refusal({ TRUST_PROXY: '10.0.0.0/8,loopback' })).toBe('');
  });
});

describe('the session cookie over plain http (development)', () => {
  it('is plain `vsid` (browsers drop __Host- cookies that are not Secure)', async () => {
    const broker = await startTestBroker({ background: false });
    try {
      const res = await broker.device('127.0.0.81').post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000081', network: 'wifi' });
      expect(res.headers['set-cookie']?.join()).toMatch(/^vsid=[^;]+; Path=\/; .*HttpOnly; SameSite=Lax$/);
    } finally {
      await broker.close();
    }
  });

  it('with SESSION_COOKIE_SECURE=true, is named __Host-vsid, Secure, Path=/ and without Domain', async () => {
    const broker = await startTestBroker({ background: false, env: { SESSION_COOKIE_SECURE: 'true', TRUST_PROXY: 'loopback' } });
    try {
      const res = await broker.device('127.0.0.82').post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000082', network: 'wifi' }, { 'x-forwarded-proto': 'https' });
      const cookie = res.headers['set-cookie']?.join() ?? '';
      expect(cookie).toMatch(/^__Host-vsid=[^;]+; Path=\/;.*; Secure/);
      expect(cookie).not.toMatch(/Domain=/i);
    } finally {
      await broker.close();
    }
  });
});
