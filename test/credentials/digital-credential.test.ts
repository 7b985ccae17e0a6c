import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as jose from 'jose';
import { sandboxOperator } from '../../src/operator/sandbox-operator.js';
import { createTestApplication } from '../support/applications.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { presentTs43Credential, type WalletOptions } from '../support/ts43-wallet.js';
import { startReceiver, type Receiver } from '../webhooks/support/receiver.js';

const NUMBER = '+34600000002'; // a sandbox SIM
const OTHER_SIM = '+34600000003'; // another sandbox SIM
const WORKFLOW = [{ channel: 'digital_credential' }, { channel: 'sms' }];
const APP_ORIGIN = 'https://app.example';

/**
 * Issue 18: the carrier-issued TS.43 credential over the Digital Credentials API. A device on WiFi (any address: the
 * sandbox's SIM table plays no part) gets the OpenID4VP request at the start, a test wallet builds the presentation
 * as Credential Manager would, and the broker checks its binding and exchanges it with the sandbox aggregator.
 */
describe('verify on WiFi with the carrier credential (digital_credential)', () => {
  let broker: TestBroker;
  let page: Device;
  let origin: string;

  beforeAll(async () => {
    broker = await startTestBroker({ env: { WEBHOOK_POLL_MS: '20', START_LIMIT_PER_NUMBER: '100/3600', START_LIMIT_PER_IP: '100/60', SMS_LIMIT_PER_NUMBER: '100/3600' } });
    page = broker.device('127.0.0.9');
    origin = new URL(broker.url).origin;
  });
  afterAll(async () => {
    await broker?.close();
  });

  async function startWithCredential(device = page, phoneNumber = NUMBER) {
    const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber, network: 'wifi', workflow: WORKFLOW });
    expect(res.status).toBe(201);
    return res.json();
  }
  const present = (id: string, body: object, device = page) => device.post(`${broker.url}/v1/verifications/${id}/credential`, body);
  const wallet = (request: any, options: Partial<WalletOptions> = {}) => presentTs43Credential(request, { simNumber: NUMBER, origin, ...options });
  const inbox = async (phoneNumber: string) => (await page.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(phoneNumber)}`)).json().messages as unknown[];

  it('answers the OpenID4VP request the page passes to navigator.credentials.get', async () => {
    const body = await startWithCredential();
    expect(body).toMatchObject({ method: 'digital_credential', status: 'awaiting_credential', verification: { status: 'awaiting_credential', method: 'digital_credential', operator: 'sandbox' } });
    const { digitalCredentialRequest: request } = body;
    expect(request).toMatchObject({
      protocol: 'openid4vp-v1-unsigned',
      data: {
        response_type: 'vp_token',
        response_mode: 'dc_api',
        nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        dcql_query: {
          credentials: [
            {
              id: 'sandbox',
              format: 'dc-authorization+sd-jwt',
              meta: { vct_values: ['number-verification/verify/ts43'], credential_authorization_jwt: expect.any(String) },
              claims: [{ path: ['phone_number_hint'], values: [NUMBER] }],
            },
          ],
        },
      },
    });
    // the aggregator's authorization JWT: its x5c chain, the request's nonce, an ECDH-ES P-256 key, consent data
    const authorization = request.data.dcql_query.credentials[0].meta.credential_authorization_jwt;
    const header = jose.decodeProtectedHeader(authorization);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'oauth-authz-req+jwt' });
    expect(header.x5c).toHaveLength(2);
    const claims = jose.decodeJwt(authorization);
    expect(claims).toMatchObject({ nonce: request.data.nonce, consent_data: expect.any(String), jwks: { keys: [{ kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES' }] } });
    // a fresh nonce per verification, never stored in clear
    const again = await startWithCredential();
    expect(again.digitalCredentialRequest.data.nonce).not.toBe(request.data.nonce);
    const stored = await broker.deps.store.verifications.get(body.verificationId);
    expect(JSON.stringify(stored)).not.toContain(request.data.nonce);
  });

  it('verifies the number without an SMS: session token with amr ts43, method digital_credential', async () => {
    const { verificationId, digitalCredentialRequest } = await startWithCredential();
    const smsBefore = (await inbox(NUMBER)).length;
    const res = await present(verificationId, await wallet(digitalCredentialRequest));
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'verified', verification: { method: 'digital_credential', status: 'verified' } });
    expect(jose.decodeJwt(body.sessionToken)).toMatchObject({ sub: NUMBER, amr: ['ts43'], operator: 'sandbox' });
    expect(await inbox(NUMBER)).toHaveLength(smsBefore);
    // the presentation is not kept, nor logged
    const presented = (await wallet(digitalCredentialRequest)).vp_token.sandbox[0];
    expect(broker.logs.join('\n')).not.toContain(presented.slice(0, 40));
  });

  it('a replayed presentation is refused (409) and changes nothing', async () => {
    const { verificationId, digitalCredentialRequest } = await startWithCredential();
    const presentation = await wallet(digitalCredentialRequest);
    expect((await present(verificationId, presentation)).json().status).toBe('verified');
    const replay = await present(verificationId, presentation);
    expect(replay.status).toBe(409);
    expect(replay.json()).toMatchObject({ code: 'CONFLICT' });
  });

  it('two presentations at once: the nonce is consumed by one, the other is 409', async () => {
    const { verificationId, digitalCredentialRequest } = await startWithCredential();
    const presentation = await wallet(digitalCredentialRequest);
    const answers = await Promise.all([present(verificationId, presentation), present(verificationId, presentation)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 200)!.json().status).toBe('verified');
  });

  it('a wrong nonce consumes the request: fallback_required credential_invalid, the same presentation with the right nonce then 409, SMS next', async () => {
    const { verificationId, digitalCredentialRequest } = await startWithCredential();
    const wrong = await present(verificationId, await wallet(digitalCredentialRequest, { nonce: 'A'.repeat(43) }));
    expect(wrong.status).toBe(200);
    expect(wrong.json()).toMatchObject({ status: 'fallback_required', verification: { reason: 'credential_invalid' } });
    expect(wrong.json().verification.events.at(-1)).toMatchObject({ type: 'fallback_required', detail: { reason: 'credential_invalid', check: 'nonce' } });
    expect((await present(verificationId, await wallet(digitalCredentialRequest))).status).toBe(409);
    const sms = await page.post(`${broker.url}/v1/verifications/${verificationId}/fallback`, {});
    expect(sms.status).toBe(202);
    expect(sms.json()).toMatchObject({ status: 'otp_sent' });
  });

  it('a presentation for another SIM is a mismatch: the next channel (SMS) follows', async () => {
    const { verificationId, digitalCredentialRequest } = await startWithCredential();
    const res = await present(verificationId, await wallet(digitalCredentialRequest, { simNumber: OTHER_SIM }));
    expect(res.json()).toMatchObject({ status: 'fallback_required', verification: { reason: 'number_mismatch' } });
    const next = await page.post(`${broker.url}/v1/verifications/${verificationId}/next`, {});
    expect(next.status).toBe(202);
    expect(next.json()).toMatchObject({ status: 'otp_sent' });
  });

  it('refuses an expired key-binding JWT, one from the future, a wrong audience and a wrong sd_hash', async () => {
    const cases: [Partial<WalletOptions>, string][] = [
      [{ iatOffsetSeconds: -600 }, 'iat'],
      [{ iatOffsetSeconds: 600 }, 'iat'],
      [{ aud: 'origin:https://evil.example' }, 'aud'],
      [{ aud: origin }, 'aud'], // the origin without the origin: prefix is not the OpenID4VP DC API audience
      [{ sdHash: 'x'.repeat(43) }, 'sd_hash'],
    ];
    for (const [spoiled, check] of cases) {
      const { verificationId, digitalCredentialRequest } = await startWithCredential();
      const body = (await present(verificationId, await wallet(digitalCredentialRequest, spoiled))).json();
      expect({ check, status: body.status, reason: body.verification.reason, detail: body.verification.events.at(-1).detail }).toEqual({
        check,
        status: 'fallback_required',
        reason: 'credential_invalid',
        detail: { reason: 'credential_invalid', check },
      });
    }
  });

  it('the aggregator refusing the presentation (a JWE it cannot open) is credential_refused', async () => {
    const { verificationId, digitalCredentialRequest } = await startWithCredential();
    const body = (await present(verificationId, await wallet(digitalCredentialRequest, { wrongEncryptionKey: true }))).json();
    expect(body).toMatchObject({ status: 'fallback_required', verification: { reason: 'credential_refused' } });
  });

  it('bad input is 400 and changes nothing; another session cannot present', async () => {
    const { verificationId, digitalCredentialRequest } = await startWithCredential();
    const good = await wallet(digitalCredentialRequest);
    for (const body of [{}, { vp_token: 'x' }, { vp_token: { other: ['a.b.c~d.e.f'] } }, { vp_token: { sandbox: ['not-an-sd-jwt'] } }, { vp_token: { sandbox: [good.vp_token.sandbox[0], good.vp_token.sandbox[0]] } }]) {
      const res = await present(verificationId, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await present(verificationId, good, broker.device('127.0.0.9'))).status).toBe(403);
    expect((await present(verificationId, good)).json().status).toBe('verified');
  });

  it('cancelling (the user has no credential) moves to SMS with /fallback', async () => {
    const { verificationId } = await startWithCredential();
    const res = await page.post(`${broker.url}/v1/verifications/${verificationId}/fallback`, {});
    expect(res.status).toBe(202);
    expect(res.json()).toMatchObject({ status: 'otp_sent', reason: 'user_requested' });
  });

  it('the cookie API takes a workflow only to ask for digital_credential first', async () => {
    for (const workflow of [[{ channel: 'sms' }], [{ channel: 'sms' }, { channel: 'digital_credential' }], [{ channel: 'digital_credential' }, { channel: 'silent_auth' }]]) {
      const res = await page.post(`${broker.url}/v1/verifications`, { phoneNumber: NUMBER, workflow });
      expect({ workflow, status: res.status }).toEqual({ workflow, status: 400 });
    }
  });

  describe('an application (app key)', () => {
    let app: Awaited<ReturnType<typeof createTestApplication>>;
    let receiver: Receiver;
    let backend: Device;
    beforeAll(async () => {
      app = await createTestApplication(broker, { credentialOrigins: [APP_ORIGIN] });
      receiver = await startReceiver(app.application.webhookSecret);
      await broker.deps.store.applications.update(app.application.id, (a) => ({ ...a, webhookUrl: receiver.url }));
      backend = broker.device('127.0.0.1');
    });
    afterAll(async () => {
      await receiver?.close();
    });
    const start = (body: object, auth = app.auth) => backend.request('POST', `${broker.url}/v1/verifications`, { body, headers: auth });

    it('verifies with a presentation from its own origin: token, webhook, no SMS', async () => {
      const smsBefore = (await inbox(NUMBER)).length;
      const started = await start({ phoneNumber: NUMBER, workflow: WORKFLOW, clientRef: 'dc-1' });
      expect(started.status).toBe(201);
      const { verificationId, digitalCredentialRequest } = started.json();
      expect(started.json()).toMatchObject({ status: 'awaiting_credential', verification: { workflow: WORKFLOW } });
      // the broker's own origin is not this application's
      const presentation = await wallet(digitalCredentialRequest, { origin: APP_ORIGIN });
      const done = await backend.request('POST', `${broker.url}/v1/verifications/${verificationId}/credential`, { body: presentation, headers: app.auth });
      expect(done.json()).toMatchObject({ status: 'verified', verification: { method: 'digital_credential', phoneNumber: NUMBER } });
      expect(jose.decodeJwt(done.json().sessionToken)).toMatchObject({ amr: ['ts43'], aud: app.application.id });
      const [hook] = await receiver.waitFor((h) => h.event?.type === 'verification.succeeded' && h.event.data.verificationId === verificationId);
      expect(hook.event!.data).toMatchObject({ phoneNumber: NUMBER, clientRef: 'dc-1' });
      expect(await inbox(NUMBER)).toHaveLength(smsBefore);
    });

    it('refuses a presentation made for the broker page origin', async () => {
      const { verificationId, digitalCredentialRequest } = (await start({ phoneNumber: NUMBER, workflow: WORKFLOW })).json();
      const res = await backend.request('POST', `${broker.url}/v1/verifications/${verificationId}/credential`, { body: await wallet(digitalCredentialRequest), headers: app.auth });
      expect(res.json()).toMatchObject({ status: 'fallback_required', verification: { reason: 'credential_invalid' } });
    });

    it('an application without credentialOrigins cannot ask for digital_credential', async () => {
      const other = await createTestApplication(broker);
      const res = await start({ phoneNumber: NUMBER, workflow: WORKFLOW }, other.auth);
      expect(res.status).toBe(400);
      expect(res.json().message).toContain('credentialOrigins');
    });
  });
});

describe('digital_credential when no operator serves the number with it', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    // the sandbox operator without its aggregator role
    broker = await startTestBroker({ operators: (issuer) => [{ ...sandboxOperator(issuer!), digitalCredential: undefined }] });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('goes to the next channel at once: SMS sent, no request', async () => {
    const device = broker.device('127.0.0.9');
    const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber: NUMBER, network: 'wifi', workflow: WORKFLOW });
    expect(res.status).toBe(201);
    const body = res.json();
    expect(body.digitalCredentialRequest).toBeUndefined();
    expect(body).toMatchObject({ status: 'otp_sent', verification: { reason: 'no_operator' } });
    expect(body.verification.events.find((e: { type: string }) => e.type === 'fallback_required')).toMatchObject({ detail: { reason: 'no_operator', channel: 'digital_credential' } });
  });
});

describe('digital_credential when the aggregator fails at the start', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ sandbox: { faults: { failStatus: 503, endpoints: ['token'] } } });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('an aggregator that cannot give request parameters (its token endpoint answers 503): SMS at once', async () => {
    const device = broker.device('127.0.0.9');
    const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber: NUMBER, network: 'wifi', workflow: WORKFLOW });
    expect(res.status).toBe(201);
    const body = res.json();
    expect(body.digitalCredentialRequest).toBeUndefined();
    expect(body).toMatchObject({ status: 'otp_sent', verification: { reason: 'token_exchange_failed', operator: 'sandbox' } });
  });
});
