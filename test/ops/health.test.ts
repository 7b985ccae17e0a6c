import { describe, expect, it } from '@jest/globals';
import { StoreUnavailable } from '../../src/errors.js';
import { sandboxOperator } from '../../src/operator/sandbox-operator.js';
import { freePort } from '../support/child-broker.js';
import { startTestBroker } from '../support/broker.js';

const ADMIN_API_KEY = 'admin-key-for-the-health-tests-0123456789';
const asAdmin = { authorization: `Bearer ${ADMIN_API_KEY}` };

async function readyWithin(url: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`);
    if (res.status === 200 || Date.now() > deadline) return { status: res.status, body: (await res.json()) as any };
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('health', () => {
  it('GET /healthz answers 200 {status: ok} while the process is up, even with the store down', async () => {
    const broker = await startTestBroker({ background: false });
    try {
      await broker.deps.store.close();
      const res = await fetch(`${broker.url}/healthz`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ status: 'ok' });
    } finally {
      await broker.close();
    }
  });

  it('GET /readyz is 503 until operator discovery has loaded, then 200 naming every check', async () => {
    const broker = await startTestBroker({ background: false, env: { ADMIN_API_KEY } });
    try {
      const first = await fetch(`${broker.url}/readyz`, { headers: asAdmin });
      expect(first.status).toBe(503);
      expect(await first.json()).toMatchObject({ status: 'not_ready', checks: { operators: { sandbox: 'not_loaded' } }, problems: ['operator sandbox: discovery not loaded yet'] });

      const { status, body } = await readyWithin(broker.url);
      expect(status).toBe(200);
      expect(body).toEqual({ status: 'ready', checks: { store: 'ok', keys: 'ok', operators: { total: 1, loaded: 1, loading: 0, failed: 0 } }, problems: [] });
      expect(await (await fetch(`${broker.url}/readyz`, { headers: asAdmin })).json()).toEqual({ status: 'ready', checks: { store: 'ok', keys: 'ok', operators: { sandbox: 'loaded' } }, problems: [] });
    } finally {
      await broker.close();
    }
  });

  it('an operator whose discovery fails leaves the broker ready but degraded, and names it to the admin key only', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const broker = await startTestBroker({
      background: false,
      env: { ADMIN_API_KEY },
      operators: (issuer) => [{ ...sandboxOperator(nobody), id: 'down', prefixes: ['+3499'] }, sandboxOperator(issuer!)],
    });
    try {
      await broker.deps.operators.warmUp();
      // anonymous (a load balancer, or anyone who reaches the probe): counts, no operator names
      for (const headers of [{}, { authorization: 'Bearer not-the-admin-key' }, { authorization: `Basic ${ADMIN_API_KEY}` }] as Record<string, string>[]) {
        const anonymous = await fetch(`${broker.url}/readyz`, { headers });
        expect(anonymous.status).toBe(200);
        const text = await anonymous.text();
        expect(JSON.parse(text)).toEqual({
          status: 'degraded',
          checks: { store: 'ok', keys: 'ok', operators: { total: 2, loaded: 1, loading: 0, failed: 1 } },
          problems: ['1 operator: discovery failed (their verifications use SMS)'],
        });
        expect(text).not.toMatch(/down|sandbox/);
      }
      const res = await fetch(`${broker.url}/readyz`, { headers: asAdmin });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'degraded',
        checks: { store: 'ok', keys: 'ok', operators: { down: 'failed', sandbox: 'loaded' } },
        problems: ['operator down: discovery failed (its verifications use SMS)'],
      });
      // the probe tries it again; still failing, it stays failed (not back to "loading")
      await broker.deps.operators.warmUp();
      expect(broker.deps.operators.discoveryStatus()).toEqual({ down: 'failed', sandbox: 'loaded' });
    } finally {
      await broker.close();
    }
  });

  it('with the store unreachable, GET /readyz is 503 naming the store, and a request needing it is a logged 503', async () => {
    const broker = await startTestBroker({ background: false });
    try {
      await broker.deps.operators.warmUp();
      // an outage as the Store contract reports one
      const down = () => Promise.reject(new StoreUnavailable(new Error('simulated outage')));
      Object.assign(broker.deps.store, { ping: down });
      Object.assign(broker.deps.store.verifications, { create: down, get: down, update: down });
      Object.assign(broker.deps.store.keyValue, { get: down, set: down, increment: down });
      const res = await fetch(`${broker.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'not_ready', checks: { store: 'unreachable', keys: 'ok' }, problems: ['store: unreachable'] });

      const failed = await fetch(`${broker.url}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlator': 'ops-store-down-1' },
        body: JSON.stringify({ phoneNumber: '+34600000060', network: 'wifi' }),
      });
      expect(failed.status).toBe(503);
      const lines = broker.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const requestLine = lines.find((l) => l.correlator === 'ops-store-down-1' && l.res);
      expect(requestLine).toMatchObject({ level: 50, res: { statusCode: 503 }, req: { path: '/v1/verifications' } });
      expect(lines.find((l) => l.msg === 'readiness: the store did not answer')).toMatchObject({ err: { type: 'StoreUnavailable', cause: { message: 'simulated outage' } } });
    } finally {
      await broker.close();
    }
  });
});
