import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as jose from 'jose';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';

const SIM = '+34600000002'; // a sandbox SIM (test/support/broker.ts SIMS)
const NOT_A_SIM = '+34600000099';
const WORKFLOW = [{ channel: 'digital_credential' }, { channel: 'sms' }];

/**
 * Issue 18's demo: POST /sandbox/wallet, the sandbox's test wallet standing in for a phone's Credential Manager, so
 * the sample page verifies on WiFi without an SMS in a browser that holds no SIM credential.
 */
describe('POST /sandbox/wallet (the sandbox test wallet)', () => {
  let broker: TestBroker;
  let page: Device;

  beforeAll(async () => {
    broker = await startTestBroker({ env: { START_LIMIT_PER_NUMBER: '100/3600', START_LIMIT_PER_IP: '100/60', SMS_LIMIT_PER_NUMBER: '100/3600' } });
    page = broker.device('127.0.0.9'); // on WiFi: no SIM at this address
  });
  afterAll(() => broker?.close());

  async function start(device: Device, phoneNumber = SIM) {
    const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber, workflow: WORKFLOW });
    expect(res.status).toBe(201);
    return res.json() as { verificationId: string; status: string; digitalCredentialRequest: any };
  }
  const askWallet = (device: Device, verificationId: string, digitalCredentialRequest: unknown) =>
    device.post(`${broker.url}/sandbox/wallet`, { verificationId, digitalCredentialRequest });
  const inbox = async (phoneNumber: string) => (await page.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(phoneNumber)}`)).json().messages as unknown[];
  const stored = (id: string) => broker.deps.store.verifications.get(id);

  it('a WiFi device gets a presentation for its own verification, presents it, and is verified with no SMS', async () => {
    const { verificationId, status, digitalCredentialRequest } = await start(page);
    expect(status).toBe('awaiting_credential');
    const wallet = await askWallet(page, verificationId, digitalCredentialRequest);
    expect(wallet.status).toBe(200);
    expect(wallet.headers['cache-control']).toBe('no-store');
    const { vp_token } = wallet.json();
    const [presentation] = vp_token.sandbox as string[];
    // bound to the page's origin (the broker's PUBLIC_URL) and to this verification's nonce
    const kb = jose.decodeJwt(presentation.split('~').at(-1)!);
    expect(kb).toMatchObject({ aud: `origin:${new URL(broker.url).origin}`, nonce: digitalCredentialRequest.data.nonce });
    // asking the wallet changes nothing: the verification still awaits the presentation
    expect((await stored(verificationId))!.status).toBe('awaiting_credential');

    const presented = await page.post(`${broker.url}/v1/verifications/${verificationId}/credential`, { vp_token });
    expect(presented.status).toBe(200);
    expect(presented.json()).toMatchObject({ status: 'verified', verification: { method: 'digital_credential' } });
    expect(jose.decodeJwt(presented.json().sessionToken)).toMatchObject({ sub: SIM, amr: ['ts43'] });
    expect(await inbox(SIM)).toEqual([]);
    // the token is never logged
    expect(broker.logs.join('\n')).not.toContain(presentation.split('~')[0].slice(-40));
    expect(broker.logs.join('\n')).not.toContain(presentation.slice(-40));
  });

  it("another session's verification: 403, and it still awaits its own presentation", async () => {
    const { verificationId, digitalCredentialRequest } = await start(page);
    const before = await stored(verificationId);
    const intruder = broker.device('127.0.0.9');
    const res = await askWallet(intruder, verificationId, digitalCredentialRequest);
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(res.text).not.toContain('vp_token');
    expect(await stored(verificationId)).toEqual(before);
    // the owner still can
    expect((await askWallet(page, verificationId, digitalCredentialRequest)).status).toBe(200);
  });

  it("a request that is not the verification's (another nonce) is 400", async () => {
    const first = await start(page);
    const second = await start(page);
    const res = await askWallet(page, first.verificationId, second.digitalCredentialRequest);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a number the sandbox has no SIM for: 404 saying so, and the page goes on to SMS', async () => {
    const { verificationId, digitalCredentialRequest } = await start(page, NOT_A_SIM);
    const res = await askWallet(page, verificationId, digitalCredentialRequest);
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ status: 404, code: 'NOT_FOUND', message: expect.stringContaining('no SIM with this number') });
    const sms = await page.post(`${broker.url}/v1/verifications/${verificationId}/next`, {});
    expect(sms.status).toBe(202);
    expect(await inbox(NOT_A_SIM)).toHaveLength(1);
  });

  it('a verification that awaits no presentation (verified already) is 409', async () => {
    const { verificationId, digitalCredentialRequest } = await start(page);
    const { vp_token } = (await askWallet(page, verificationId, digitalCredentialRequest)).json();
    expect((await page.post(`${broker.url}/v1/verifications/${verificationId}/credential`, { vp_token })).json().status).toBe('verified');
    const again = await askWallet(page, verificationId, digitalCredentialRequest);
    expect(again.status).toBe(409);
  });

  it('JSON only: a form post is 415', async () => {
    const { verificationId } = await start(page);
    const res = await page.post(`${broker.url}/sandbox/wallet`, `verificationId=${verificationId}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
  });
});

describe('POST /sandbox/wallet with the sandbox off', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ sandbox: false, env: { SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV } });
  });
  afterAll(() => broker?.close());

  it('is not there (404), whatever the body (mounted, an empty body would be a 400)', async () => {
    const res = await broker.device().post(`${broker.url}/sandbox/wallet`, {});
    expect(res.status).toBe(404);
  });
});
