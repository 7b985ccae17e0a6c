import { describe, expect, it } from '@jest/globals';
import { startTestBroker } from '../support/broker.js';

const FORWARDED = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https', 'x-correlator': 'ops-proxy' };

async function startBehindTls(env: Record<string, string>) {
  const broker = await startTestBroker({ background: false, env: { PUBLIC_URL: 'https://verify.example.test', ...env } });
  const res = await broker.device('127.0.0.1').post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000080', network: 'wifi' }, FORWARDED);
  const line = broker.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.correlator === 'ops-proxy' && l.req);
  return { broker, res, line };
}

describe('behind a TLS-terminating reverse proxy', () => {
  it('with TRUST_PROXY, the client address and https come from the proxy: the Secure session cookie is set', async () => {
    const { broker, res, line } = await startBehindTls({ TRUST_PROXY: 'loopback' });
    try {
      expect(res.status).toBe(201);
      expect(res.headers['set-cookie']?.join()).toMatch(/^vsid=.*; Secure/);
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
});
