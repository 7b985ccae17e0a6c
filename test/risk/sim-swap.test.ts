import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestBroker } from '../support/broker.js';
import { verifySilently } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { presentTs43Credential } from '../support/ts43-wallet.js';
import { backendOf, createRiskApp, ISO_TIME, SIMS, smsCount, startRiskBroker, verifiedClaims, verifyBySilentAuth, verifyBySms, webhookOf, type RiskApp } from './support.js';

/** +34600000003 and +34600000004: SIMs swapped 2 hours ago; +34600000002 and +34600000005: never swapped. */
const SWAPPED = SIMS['127.0.0.3'];
const SWAPPED_TOO = SIMS['127.0.0.4'];
const NOT_SWAPPED = SIMS['127.0.0.2'];
/** served, but the operator keeps no history for it (422 SERVICE_NOT_APPLICABLE) */
const NOT_APPLICABLE = '+34600000005';
/** not a line of the sandbox's (404 IDENTIFIER_NOT_FOUND) */
const UNKNOWN_LINE = '+34600000099';
const lines = { simSwaps: { [SWAPPED]: 2, [SWAPPED_TOO]: 2 }, serviceNotApplicable: [NOT_APPLICABLE] };

/**
 * Issue 17, SIM Swap: the broker asks the operator (the sandbox, over real HTTP) whether the SIM changed recently
 * before it sends an SMS and after Number Verification says match, and the policy decides.
 */
describe('SIM Swap policies (application and operator)', () => {
  let broker: TestBroker;
  let backend: Device;
  const apps: RiskApp[] = [];
  const app = async (simSwap?: object) => {
    const made = await createRiskApp(broker, simSwap ? { simSwap: simSwap as never } : {});
    apps.push(made);
    return made;
  };
  beforeAll(async () => {
    // the operator grants sim-swap:check in the same authorization: the silent path checks with its 3-legged token
    broker = await startRiskBroker({ lines, operator: { simSwapScope: true } });
    backend = broker.device('127.0.0.1');
  });
  afterAll(async () => {
    for (const made of apps) await made.receiver.close();
    await broker?.close();
  });

  it('swapped, onSwapped block: no SMS is sent, the verification fails SIM_SWAPPED, and the webhook says so with the risk', async () => {
    const blocking = await app({ maxAgeHours: 24, onSwapped: 'block' });
    const before = await smsCount(broker, backend, SWAPPED);
    const { started, id } = await verifyBySms(broker, backend, blocking, { phoneNumber: SWAPPED });
    expect(started).toMatchObject({ status: 'failed', verification: { status: 'failed', reason: 'SIM_SWAPPED', risk: { simSwap: { status: 'swapped', maxAgeHours: 24 } } } });
    expect(await smsCount(broker, backend, SWAPPED)).toBe(before);
    const event = started.verification.events.find((e: { type: string }) => e.type === 'sim_swap_checked');
    expect(event.detail).toMatchObject({ status: 'swapped', decision: 'block', path: 'sms', token: '2-legged' });

    const data = await webhookOf(blocking, 'verification.failed', id);
    expect(data).toMatchObject({ reason: 'SIM_SWAPPED', risk: { simSwap: { status: 'swapped', maxAgeHours: 24, checkedAt: expect.stringMatching(ISO_TIME) } } });
    expect(data.risk.numberRecycling).toBeUndefined();
    // asking again for a code changes nothing: the verification is over
    expect((await backendOf(broker, backend, blocking).post(`/v1/verifications/${id}/resend`)).status).toBe(409);
  });

  it('swapped, onSwapped flag: the code goes out, and the session token (checked against the JWKS) and the webhook carry the risk', async () => {
    const flagging = await app({ maxAgeHours: 24, onSwapped: 'flag' });
    const { id, done } = await verifyBySms(broker, backend, flagging, { phoneNumber: SWAPPED });
    expect(done).toMatchObject({ status: 'verified', verification: { risk: { simSwap: { status: 'swapped', maxAgeHours: 24 } } } });
    const claims = await verifiedClaims(broker, done!.sessionToken, flagging.id);
    expect(claims.sub).toBe(SWAPPED);
    expect(claims.risk).toEqual({ simSwap: { status: 'swapped', checkedAt: expect.stringMatching(ISO_TIME), maxAgeHours: 24 } });
    const data = await webhookOf(flagging, 'verification.succeeded', id);
    expect(data.risk).toEqual(claims.risk);
  });

  it('a resend reuses the check: the SIM is asked about once per verification', async () => {
    const flagging = await app({ maxAgeHours: 24, onSwapped: 'flag' });
    const api = backendOf(broker, backend, flagging);
    const { verificationId } = (await api.start({ phoneNumber: SWAPPED_TOO, workflow: [{ channel: 'sms' }] })).json();
    await new Promise((r) => setTimeout(r, 1100)); // past the resend cooldown (OTP_RESEND_COOLDOWN_SECONDS default)
    await api.post(`/v1/verifications/${verificationId}/resend`);
    const read = (await api.read(verificationId)).json();
    expect(read.events.filter((e: { type: string }) => e.type === 'sim_swap_checked')).toHaveLength(1);
    expect(read.risk.simSwap.status).toBe('swapped');
  });

  it('where the policies differ by path, the SMS is refused but the silent path (3-legged token) lets the swapped SIM through, flagged', async () => {
    const smsOnlyBlock = await app({ maxAgeHours: 24, onSwapped: 'block', silent: { onSwapped: 'flag' } });
    const bySms = await verifyBySms(broker, backend, smsOnlyBlock, { phoneNumber: SWAPPED });
    expect(bySms.started).toMatchObject({ status: 'failed', verification: { reason: 'SIM_SWAPPED' } });

    const silent = await verifyBySilentAuth(broker, backend, smsOnlyBlock, '127.0.0.3');
    expect(silent.done).toMatchObject({ status: 'verified', verification: { method: 'silent_auth', risk: { simSwap: { status: 'swapped', maxAgeHours: 24 } } } });
    const checked = silent.read.events.find((e: { type: string }) => e.type === 'sim_swap_checked');
    // the operator's own token named the line: no number was sent (the sandbox refuses one with a 3-legged token)
    expect(checked.detail).toMatchObject({ status: 'swapped', decision: 'flag', path: 'silent', token: '3-legged' });
    const claims = await verifiedClaims(broker, silent.done!.sessionToken, smsOnlyBlock.id);
    expect(claims.amr).toEqual(['nba']);
    expect(claims.risk).toEqual({ simSwap: { status: 'swapped', checkedAt: expect.stringMatching(ISO_TIME), maxAgeHours: 24 } });
    expect((await webhookOf(smsOnlyBlock, 'verification.succeeded', silent.id)).risk).toEqual(claims.risk);
  });

  it('swapped, block on both paths: the silent path fails SIM_SWAPPED after Number Verification said match, and no completion code is handed out', async () => {
    const blocking = await app({ maxAgeHours: 24, onSwapped: 'block' });
    const silent = await verifyBySilentAuth(broker, backend, blocking, '127.0.0.4');
    expect(silent.done).toBeUndefined();
    expect(silent.read).toMatchObject({ status: 'failed', reason: 'SIM_SWAPPED', risk: { simSwap: { status: 'swapped' } } });
    expect(silent.read.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['number_checked', 'sim_swap_checked', 'failed']));
    expect((await webhookOf(blocking, 'verification.failed', silent.id)).risk.simSwap.status).toBe('swapped');
  });

  it('not swapped within maxAgeHours: the code goes out and the token says not_swapped', async () => {
    const strict = await app({ maxAgeHours: 1, onSwapped: 'block' });
    // swapped 2 hours ago is not within the last hour
    const { id, done } = await verifyBySms(broker, backend, strict, { phoneNumber: SWAPPED });
    expect(done).toMatchObject({ status: 'verified' });
    expect((await verifiedClaims(broker, done!.sessionToken, strict.id)).risk).toEqual({ simSwap: { status: 'not_swapped', checkedAt: expect.stringMatching(ISO_TIME), maxAgeHours: 1 } });
    expect((await webhookOf(strict, 'verification.succeeded', id)).risk.simSwap.status).toBe('not_swapped');
    const never = await verifyBySms(broker, backend, strict, { phoneNumber: NOT_SWAPPED });
    expect(never.done).toMatchObject({ status: 'verified', verification: { risk: { simSwap: { status: 'not_swapped' } } } });
  });

  it('a line the operator does not serve (404) or keeps no history for (422) is unknown, never an error: onUnknown flag lets it through', async () => {
    const flagging = await app({ maxAgeHours: 24, onSwapped: 'block', onUnknown: 'flag' });
    for (const [phoneNumber, operatorCode] of [[NOT_APPLICABLE, 'SERVICE_NOT_APPLICABLE'], [UNKNOWN_LINE, 'IDENTIFIER_NOT_FOUND']]) {
      const { done } = await verifyBySms(broker, backend, flagging, { phoneNumber });
      expect(done).toMatchObject({ status: 'verified', verification: { risk: { simSwap: { status: 'unknown', maxAgeHours: 24 } } } });
      const checked = done!.verification.events.find((e: { type: string }) => e.type === 'sim_swap_checked');
      expect(checked.detail).toMatchObject({ decision: 'flag', failure: 'operator_error', operatorCode });
    }
  });

  it('without a policy nothing is asked: no risk on the verification, in the token or in the webhook (the default)', async () => {
    const plain = await app();
    const { id, done } = await verifyBySms(broker, backend, plain, { phoneNumber: SWAPPED });
    expect(done).toMatchObject({ status: 'verified' });
    expect(done!.verification.risk).toBeUndefined();
    expect(done!.verification.events.some((e: { type: string }) => e.type === 'sim_swap_checked')).toBe(false);
    expect((await verifiedClaims(broker, done!.sessionToken, plain.id)).risk).toBeUndefined();
    expect((await webhookOf(plain, 'verification.succeeded', id)).risk).toBeUndefined();
  });
});

describe("the operator's SIM Swap policy (no application policy; client credentials on the silent path)", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startRiskBroker({ lines, operator: { simSwap: { maxAgeHours: 24, onSwapped: 'block', onUnknown: 'allow' } } });
  });
  afterAll(() => broker?.close());

  it('a swapped SIM fails the silent verification of GET /login, checked with a client-credentials token', async () => {
    const device = broker.device('127.0.0.3');
    const { callbackUrl } = await verifySilently(broker, device, SWAPPED);
    expect(callbackUrl.pathname).toBe('/callback');
    const id = (await broker.deps.store.verifications.listRecent(1))[0].id;
    const v = (await broker.deps.store.verifications.get(id))!;
    expect(v).toMatchObject({ status: 'failed', reason: 'SIM_SWAPPED', risk: { simSwap: { status: 'swapped', maxAgeHours: 24 } } });
    expect(v.events.find((e) => e.type === 'sim_swap_checked')?.detail).toMatchObject({ path: 'silent', token: '2-legged', decision: 'block' });
  });

  it('a SIM not swapped is verified silently, marked not_swapped', async () => {
    const device = broker.device('127.0.0.2');
    await verifySilently(broker, device, NOT_SWAPPED);
    const v = (await broker.deps.store.verifications.listRecent(1))[0];
    expect(v).toMatchObject({ status: 'verified', risk: { simSwap: { status: 'not_swapped' } } });
  });

  it('an app on WiFi asking for the code of a swapped SIM gets the failed verification, and no SMS', async () => {
    const device = broker.device('127.0.0.1');
    const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber: SWAPPED_TOO, network: 'wifi' });
    expect(res.json()).toMatchObject({ status: 'failed', verification: { reason: 'SIM_SWAPPED' } });
    expect(await smsCount(broker, device, SWAPPED_TOO)).toBe(0);
  });
});

describe('the SIM Swap check unavailable: unknown, and onUnknown decides', () => {
  describe('the operator answers 503', () => {
    let broker: TestBroker;
    let backend: Device;
    const apps: RiskApp[] = [];
    beforeAll(async () => {
      broker = await startRiskBroker({ lines, faults: { failStatus: 503, endpoints: ['sim-swap'] } });
      backend = broker.device('127.0.0.1');
    });
    afterAll(async () => {
      for (const made of apps) await made.receiver.close();
      await broker?.close();
    });

    it('onUnknown block: the verification fails SIM_SWAP_UNKNOWN, no SMS', async () => {
      const made = await createRiskApp(broker, { simSwap: { maxAgeHours: 24, onSwapped: 'block', onUnknown: 'block' } });
      apps.push(made);
      const { started, id } = await verifyBySms(broker, backend, made, { phoneNumber: SWAPPED });
      expect(started).toMatchObject({ status: 'failed', verification: { reason: 'SIM_SWAP_UNKNOWN', risk: { simSwap: { status: 'unknown', maxAgeHours: 24 } } } });
      expect(started.verification.events.find((e: { type: string }) => e.type === 'sim_swap_checked').detail).toMatchObject({ failure: 'operator_unavailable', operatorCode: 'UNAVAILABLE' });
      expect(await smsCount(broker, backend, SWAPPED)).toBe(0);
      expect((await webhookOf(made, 'verification.failed', id)).risk.simSwap.status).toBe('unknown');
    });

    it('onUnknown flag: the code goes out, and the token says unknown', async () => {
      const made = await createRiskApp(broker, { simSwap: { maxAgeHours: 24, onSwapped: 'block', onUnknown: 'flag' } });
      apps.push(made);
      const { done } = await verifyBySms(broker, backend, made, { phoneNumber: NOT_SWAPPED });
      expect(done).toMatchObject({ status: 'verified' });
      expect((await verifiedClaims(broker, done!.sessionToken, made.id)).risk).toEqual({ simSwap: { status: 'unknown', checkedAt: expect.stringMatching(ISO_TIME), maxAgeHours: 24 } });
    });
  });

  describe('the operator does not answer in time', () => {
    let broker: TestBroker;
    beforeAll(async () => {
      broker = await startRiskBroker({ lines, faults: { delayMs: 1500, endpoints: ['sim-swap'] }, env: { OPERATOR_TIMEOUT_MS: '400' } });
    });
    afterAll(() => broker?.close());

    it('onUnknown allow (the default): the code goes out, the verification marked unknown (operator_timeout)', async () => {
      const made = await createRiskApp(broker, { simSwap: { maxAgeHours: 24, onSwapped: 'block' } as never });
      try {
        const { done } = await verifyBySms(broker, broker.device('127.0.0.1'), made, { phoneNumber: SWAPPED });
        expect(done).toMatchObject({ status: 'verified', verification: { risk: { simSwap: { status: 'unknown' } } } });
        expect(done!.verification.events.find((e: { type: string }) => e.type === 'sim_swap_checked').detail).toMatchObject({ failure: 'operator_timeout', decision: 'allow' });
      } finally {
        await made.receiver.close();
      }
    });
  });
});

/** Issue 17 on the path of issue 18: the carrier credential proves the SIM, not that it has been in the user's hands for long. */
describe('SIM Swap after a digital credential (TS.43) presentation', () => {
  const APP_ORIGIN = 'https://app.example.com';
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startRiskBroker({ lines });
  });
  afterAll(() => broker?.close());

  it('a swapped SIM that presents its credential fails SIM_SWAPPED under a blocking policy, and no SMS is sent', async () => {
    const made = await createRiskApp(broker, { simSwap: { maxAgeHours: 24, onSwapped: 'block', onUnknown: 'allow' } as never, credentialOrigins: [APP_ORIGIN] });
    try {
      const backend = backendOf(broker, broker.device('127.0.0.1'), made);
      const started = await backend.start({ phoneNumber: SWAPPED, workflow: [{ channel: 'digital_credential' }, { channel: 'sms' }] });
      expect(started.json()).toMatchObject({ status: 'awaiting_credential' });
      const { verificationId, digitalCredentialRequest } = started.json();
      const presentation = await presentTs43Credential(digitalCredentialRequest, { simNumber: SWAPPED, origin: APP_ORIGIN });
      const done = await backend.post(`/v1/verifications/${verificationId}/credential`, presentation);
      expect(done.json()).toMatchObject({ status: 'failed', verification: { method: 'digital_credential', reason: 'SIM_SWAPPED', risk: { simSwap: { status: 'swapped', maxAgeHours: 24 } } } });
      expect(done.json().sessionToken).toBeUndefined();
      expect(await smsCount(broker, broker.device('127.0.0.1'), SWAPPED)).toBe(0);
    } finally {
      await made.receiver.close();
    }
  });

  it('a SIM never swapped is verified, with the check in its token', async () => {
    const made = await createRiskApp(broker, { simSwap: { maxAgeHours: 24, onSwapped: 'block', onUnknown: 'allow' } as never, credentialOrigins: [APP_ORIGIN] });
    try {
      const backend = backendOf(broker, broker.device('127.0.0.1'), made);
      const { verificationId, digitalCredentialRequest } = (await backend.start({ phoneNumber: NOT_SWAPPED, workflow: [{ channel: 'digital_credential' }, { channel: 'sms' }] })).json();
      const presentation = await presentTs43Credential(digitalCredentialRequest, { simNumber: NOT_SWAPPED, origin: APP_ORIGIN });
      const done = (await backend.post(`/v1/verifications/${verificationId}/credential`, presentation)).json();
      expect(done).toMatchObject({ status: 'verified', verification: { risk: { simSwap: { status: 'not_swapped' } } } });
      expect((await verifiedClaims(broker, done.sessionToken, made.id)).risk).toEqual({ simSwap: { status: 'not_swapped', checkedAt: expect.stringMatching(ISO_TIME), maxAgeHours: 24 } });
    } finally {
      await made.receiver.close();
    }
  });
});
