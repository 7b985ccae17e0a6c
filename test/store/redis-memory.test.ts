import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { deleteKeys, REDIS_URL, whyNoRedis } from './support/redis.js';

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED Redis memory per verification: ${skipBecause}\n`);
const describeIfRedis = skipBecause ? describe.skip : describe;

/** The budget of the scale-out issue: Redis memory per in-flight verification. */
const BUDGET_BYTES = 1024;
const IN_FLIGHT = 200;

/** The session id inside express-session's signed cookie value `s:<sid>.<signature>`. */
function sidOf(setCookie: string[] | undefined): string {
  const value = decodeURIComponent(setCookie!.find((c) => c.startsWith('vsid='))!.split(';')[0].slice('vsid='.length));
  return value.slice(2, value.lastIndexOf('.'));
}

describeIfRedis('Redis memory per in-flight verification', () => {
  // as short as the default `broker:`, so key names weigh what they weigh in production
  const prefix = `${randomBytes(3).toString('hex')}:`;
  let broker: TestBroker;
  let redis: Redis;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: prefix, START_LIMIT_PER_IP: '100000/60', START_LIMIT_PER_NUMBER: '100000/3600' } }); // many starts of one SIM from one phone
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await broker?.close();
    redis?.disconnect();
    await deleteKeys(prefix);
  });

  it(`a verification waiting for the operator, its authorization state and its session fit in ${BUDGET_BYTES} bytes`, async () => {
    // each phone starts one silent verification and stops at the operator: what Redis holds while it is in flight
    const started = await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        const res = await broker.device('127.0.0.2').get(`${broker.url}/login?phoneNumber=%2B34600000002&network=cellular&returnUrl=${encodeURIComponent(`${broker.url}/result.html`)}`);
        expect(res.status).toBe(200);
        const body = res.json();
        expect(body.status).toBe('silent_auth_in_progress');
        return { id: body.verificationId as string, state: new URL(body.authUrl).searchParams.get('state')!, sid: sidOf(res.headers['set-cookie']) };
      }),
    );

    const usage = async (key: string) => {
      const bytes = await redis.memory('USAGE', key, 'SAMPLES', 0);
      expect(bytes).toBeGreaterThan(0); // the key exists where the layout says
      return bytes as number;
    };
    const perVerification = await Promise.all(
      started.map(async ({ id, state, sid }) => ({
        verification: await usage(`${prefix}v:${id}`),
        state: await usage(`${prefix}st:${state}`),
        session: await usage(`${prefix}s:${sid}`),
      })),
    );
    // the indexes are shared structures: their share is their size over the entries they hold
    const openIndex = (await usage(`${prefix}v:open`)) / IN_FLIGHT;
    const recentIndex = (await usage(`${prefix}v:recent`)) / IN_FLIGHT;

    const worst = perVerification.reduce((a, b) => (a.verification + a.state + a.session >= b.verification + b.state + b.session ? a : b));
    // MEMORY USAGE counts a key, its value and its entry in the keyspace, not its entry in the table of
    // expiring keys (24 B) nor the two tables' buckets (8 B each per key at load factor 1)
    const keyspaceTables = 3 * (24 + 2 * 8);
    const total = worst.verification + worst.state + worst.session + openIndex + recentIndex + keyspaceTables;
    console.log(
      `Redis memory per in-flight verification (worst of ${IN_FLIGHT}): verification ${worst.verification} B + authorization state ${worst.state} B + session ${worst.session} B` +
        ` + index entries ${Math.round(openIndex + recentIndex)} B + expiry and hash tables ${keyspaceTables} B = ${Math.round(total)} B (budget ${BUDGET_BYTES} B)`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
