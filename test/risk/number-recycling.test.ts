import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { backendOf, createRiskApp, ISO_TIME, SIMS, smsCount, startRiskBroker, verifiedClaims, verifyBySilentAuth, verifyBySms, webhookOf, type RiskApp } from './support.js';

/** a new subscriber took +34600000006 (and the SIM +34600000004) over on 2026-01-01 */
const RECYCLED = '+34600000006';
const RECYCLED_SIM = SIMS['127.0.0.4'];
const TAKEN_OVER = '2026-01-01';
const lines = { recycledNumbers: { [RECYCLED]: TAKEN_OVER, [RECYCLED_SIM]: TAKEN_OVER } };

/**
 * Issue 17, Number Recycling: a backend that says since when the number was its user's (`knownSince`) gets the
 * operator's answer to "has the number changed hands since?", checked over real HTTP against the sandbox.
 */
describe('Number Recycling (knownSince on the backend-first start)', () => {
  let broker: TestBroker;
  let backend: Device;
  const apps: RiskApp[] = [];
  const app = async (numberRecycling?: object) => {
    const made = await createRiskApp(broker, numberRecycling ? { numberRecycling: numberRecycling as never } : {});
    apps.push(made);
    return made;
  };
  beforeAll(async () => {
    broker = await startRiskBroker({ lines });
    backend = broker.device('127.0.0.1');
  });
  afterAll(async () => {
    for (const made of apps) await made.receiver.close();
    await broker?.close();
  });

  it('recycled, onRecycled block: no SMS, the verification fails NUMBER_RECYCLED, and the webhook carries the risk', async () => {
    const blocking = await app({ onRecycled: 'block' });
    const { started, id } = await verifyBySms(broker, backend, blocking, { phoneNumber: RECYCLED, knownSince: '2025-06-01' });
    expect(started).toMatchObject({ status: 'failed', verification: { reason: 'NUMBER_RECYCLED', risk: { numberRecycling: { status: 'recycled', since: '2025-06-01' } } } });
    expect(started.verification.risk.simSwap).toBeUndefined();
    expect(await smsCount(broker, backend, RECYCLED)).toBe(0);
    const data = await webhookOf(blocking, 'verification.failed', id);
    expect(data).toMatchObject({ reason: 'NUMBER_RECYCLED', risk: { numberRecycling: { status: 'recycled', since: '2025-06-01', checkedAt: expect.stringMatching(ISO_TIME) } } });
  });

  it('recycled, no policy (flag by default): verified, and the session token and webhook say recycled', async () => {
    const plain = await app();
    const { id, done } = await verifyBySms(broker, backend, plain, { phoneNumber: RECYCLED, knownSince: '2025-06-01' });
    expect(done).toMatchObject({ status: 'verified' });
    const claims = await verifiedClaims(broker, done!.sessionToken, plain.id);
    expect(claims.risk).toEqual({ numberRecycling: { status: 'recycled', checkedAt: expect.stringMatching(ISO_TIME), since: '2025-06-01' } });
    expect((await webhookOf(plain, 'verification.succeeded', id)).risk).toEqual(claims.risk);
  });

  it('known since the takeover or later: not_recycled', async () => {
    const blocking = await app({ onRecycled: 'block' });
    const { done } = await verifyBySms(broker, backend, blocking, { phoneNumber: RECYCLED, knownSince: TAKEN_OVER });
    expect(done).toMatchObject({ status: 'verified', verification: { risk: { numberRecycling: { status: 'not_recycled', since: TAKEN_OVER } } } });
  });

  it('without knownSince nothing is asked, and a knownSince in the future or not a date is refused (400)', async () => {
    const blocking = await app({ onRecycled: 'block' });
    const { done } = await verifyBySms(broker, backend, blocking, { phoneNumber: RECYCLED });
    expect(done).toMatchObject({ status: 'verified' });
    expect(done!.verification.risk).toBeUndefined();
    for (const knownSince of ['2999-01-01', 'yesterday']) {
      const res = await backendOf(broker, backend, blocking).start({ phoneNumber: RECYCLED, knownSince });
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('on the silent path the check runs after Number Verification said match: recycled blocks there too', async () => {
    const blocking = await app({ onRecycled: 'block' });
    const silent = await verifyBySilentAuth(broker, backend, blocking, '127.0.0.4', { knownSince: '2025-06-01' });
    expect(silent.done).toBeUndefined();
    expect(silent.read).toMatchObject({ status: 'failed', reason: 'NUMBER_RECYCLED', risk: { numberRecycling: { status: 'recycled' } } });
    expect(silent.read.events.find((e: { type: string }) => e.type === 'number_recycling_checked').detail).toMatchObject({ path: 'silent', decision: 'block' });
  });
});

describe('Number Recycling unavailable', () => {
  let broker: TestBroker;
  let made: RiskApp;
  beforeAll(async () => {
    broker = await startRiskBroker({ lines, faults: { failStatus: 503, endpoints: ['number-recycling'] } });
    made = await createRiskApp(broker, { numberRecycling: { onRecycled: 'block' } });
  });
  afterAll(async () => {
    await made?.receiver.close();
    await broker?.close();
  });

  it('a 503 is unknown, never a block: the code goes out and the token says unknown', async () => {
    const { done } = await verifyBySms(broker, broker.device('127.0.0.1'), made, { phoneNumber: RECYCLED, knownSince: '2025-06-01' });
    expect(done).toMatchObject({ status: 'verified' });
    expect((await verifiedClaims(broker, done!.sessionToken, made.id)).risk).toEqual({ numberRecycling: { status: 'unknown', checkedAt: expect.stringMatching(ISO_TIME), since: '2025-06-01' } });
  });
});
