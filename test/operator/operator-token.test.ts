import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { errors } from 'oidc-provider';
import type { OperatorConfig } from '../../src/config/index.js';
import { operatorSchema } from '../../src/config/operators.js';
import { createTestApplication } from '../support/applications.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { NV_SCOPE, startStandardOperator, type StandardOperator } from './support/standard-operator.js';

/**
 * Issue 16, item 7: operators and aggregators that serve Number Verification without the device's redirect, through
 * CIBA (poll mode) or the JWT-bearer grant, and only with an operator token (TS.43) the app obtained and its backend
 * passes to the start. CIBA is played by oidc-provider (features.ciba), JWT-bearer by a small recording operator
 * below that checks the wire format RFC 7523 §2.1 and the CAMARA profile ask for.
 */

/** the operator tokens each operator knows: token → the subscriber whose SIM obtained it */
const SUBSCRIBERS: Record<string, string> = {
  'tok-A.fresh_0123': '+34600000002',
  'tok-B.other_4567': '+34600000003',
  'tok-D.refused': '+34600000002',
  'tok-E.expiring': '+34600000002',
  'tok-F.never': '+33612345678',
  'tok-G.never': '+393471234567',
  'tok-L.late': '+34600000004',
  'tok-J.jwt_89ab': '+491701234567',
  'tok-K.jwt_other': '+491701234568',
  'tok-S.slow': '+491701234567',
};
const CIBA_NUMBER = '+34600000002';
const REDIRECT_TOO_NUMBER = '+34710000002';
const HASTY_NUMBER = '+33612345678';
const HASTIER_NUMBER = '+393471234567';
const LATE_NUMBER = '+34600000004';
const CODE_FLOW_NUMBER = '+351912345678';
const JWT_NUMBER = '+491701234567';
const JWT_SCOPE = `dpv:FraudPreventionAndDetection ${NV_SCOPE}`;

function entry(fields: Partial<OperatorConfig> & Pick<OperatorConfig, 'id' | 'issuer' | 'apiRoot' | 'prefixes'>): OperatorConfig {
  return {
    clientId: 'broker-1',
    clientAuth: 'private_key_jwt',
    scope: `openid ${NV_SCOPE}`,
    loginHintFormat: 'tel',
    apiVersionPath: '/number-verification/v2',
    mode: 'verify',
    hashPhoneNumber: false,
    allowInsecureHttp: true,
    idToken: true,
    ...fields,
  };
}

describe('CIBA and JWT-bearer, only with an operator token the app obtained', () => {
  let broker: TestBroker;
  let ciba: StandardOperator;
  let jwtOp: RecordingOperator;
  let backend: Device;
  let auth: Record<string, string>;
  /** every login_hint the CIBA operator was sent */
  const hints: string[] = [];

  beforeAll(async () => {
    broker = await startTestBroker({
      background: false,
      sandbox: false,
      env: { START_LIMIT_PER_NUMBER: '1000/3600', START_LIMIT_PER_IP: '1000/60', SMS_LIMIT_PER_PREFIX: '1000/3600', SMS_LIMIT_PER_IP: '1000/3600' },
      beforeOperators: async (brokerUrl) => {
        ciba = await startStandardOperator({
          sims: {},
          client: {
            client_id: 'broker-1',
            redirect_uris: [`${brokerUrl}/callback`],
            jwks_uri: `${brokerUrl}/.well-known/jwks.json`,
            token_endpoint_auth_method: 'private_key_jwt',
            grant_types: ['authorization_code', 'urn:openid:params:grant-type:ciba'],
            backchannel_token_delivery_mode: 'poll',
          },
          configure: (defaults) => ({
            ...defaults,
            features: {
              ...defaults.features,
              ciba: {
                enabled: true,
                deliveryModes: ['poll'],
                processLoginHint: (_ctx: unknown, hint: string) => {
                  hints.push(hint);
                  return hint.startsWith('operatortoken:') ? SUBSCRIBERS[hint.slice('operatortoken:'.length)] : undefined;
                },
                validateRequestContext: async () => {},
                verifyUserCode: async () => {},
                triggerAuthenticationDevice,
              },
            },
            ttl: { ...defaults.ttl, BackchannelAuthenticationRequest: (_ctx: unknown, request: CibaRequest) => (request.params.login_hint.endsWith('expiring') ? 2 : 60) },
          }),
        });
        jwtOp = await startRecordingOperator(brokerUrl);
      },
      operators: () => [
        entry({ id: 'ciba', tokenAcquisition: 'ciba', issuer: ciba.issuer, apiRoot: ciba.apiRoot, prefixes: ['+346'] }),
        entry({ id: 'ciba-or-redirect', tokenAcquisition: 'ciba', redirectFlow: true, issuer: ciba.issuer, apiRoot: ciba.apiRoot, prefixes: ['+347'] }),
        entry({ id: 'ciba-hasty', tokenAcquisition: 'ciba', timeoutMs: 500, issuer: ciba.issuer, apiRoot: ciba.apiRoot, prefixes: ['+33'] }),
        entry({ id: 'ciba-hastier', tokenAcquisition: 'ciba', timeoutMs: 300, issuer: ciba.issuer, apiRoot: ciba.apiRoot, prefixes: ['+39'] }),
        entry({ id: 'code-flow', issuer: ciba.issuer, apiRoot: ciba.apiRoot, prefixes: ['+351'] }),
        entry({ id: 'jwt', tokenAcquisition: 'jwt_bearer', timeoutMs: 800, issuer: jwtOp.issuer, apiRoot: jwtOp.apiRoot, prefixes: ['+49'], idToken: false, scope: JWT_SCOPE }),
      ],
    });
    backend = broker.device('127.0.0.1');
    ({ auth } = await createTestApplication(broker));
  });
  afterAll(async () => {
    await broker?.close();
    await ciba?.close();
    await jwtOp?.close();
  });

  const start = (body: object, headers = auth) => backend.request('POST', `${broker.url}/v1/verifications`, { body, headers });
  const backchannelCalls = () => ciba.requests.filter((r) => r.path.endsWith('/backchannel'));
  const neverLeaked = (token: string) => {
    expect(broker.logs.join('\n')).not.toContain(token);
  };

  describe('CIBA (poll mode)', () => {
    it('verifies the number within the start: login_hint=operatortoken:, the interval honoured, no URL, verified for the application', async () => {
      const before = backchannelCalls().length;
      const began = Date.now();
      const res = await start({ phoneNumber: CIBA_NUMBER, network: 'wifi', operatorToken: 'tok-A.fresh_0123', clientRef: 'order-1' });
      expect(res.status).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ method: 'silent_auth', status: 'verified', verification: { status: 'verified', method: 'silent_auth', operator: 'ciba', phoneNumber: CIBA_NUMBER } });
      expect(body.checkUrl).toBeUndefined();
      expect(body.authUrl).toBeUndefined();
      expect(body.verification.events.map((e: { type: string }) => e.type)).toEqual(['created', 'operator_token', 'operator_redirect', 'token_exchanged', 'number_checked', 'verified']);
      expect(body.verification.events[1].detail).toEqual({ grant: 'ciba' });
      // the operator said "poll every second": the first poll waited for it
      expect(Date.now() - began).toBeGreaterThanOrEqual(1000);

      const [call] = backchannelCalls().slice(before);
      const sent = new URLSearchParams(call.body);
      expect(sent.get('login_hint')).toBe('operatortoken:tok-A.fresh_0123');
      expect(sent.get('scope')).toBe(`openid ${NV_SCOPE}`);
      expect(sent.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(JSON.stringify(body)).not.toContain('tok-A');
      neverLeaked('tok-A.fresh_0123');

      const read = (await backend.request('GET', `${broker.url}/v1/verifications/${body.verificationId}`, { headers: auth })).json();
      expect(read).toMatchObject({ status: 'verified', sessionToken: expect.stringMatching(/^ey/) });
    });

    it('an operator token of another number: fallback_required number_mismatch, and /next sends the SMS', async () => {
      const res = await start({ phoneNumber: CIBA_NUMBER, operatorToken: 'tok-B.other_4567' });
      expect(res.status).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ method: 'sms_otp', status: 'fallback_required', verification: { reason: 'number_mismatch', operator: 'ciba' } });
      const next = await backend.request('POST', `${broker.url}/v1/verifications/${body.verificationId}/next`, { body: {}, headers: auth });
      expect(next.status).toBe(202);
      expect(next.json()).toMatchObject({ status: 'otp_sent' });
    });

    it('the subscriber refuses, or the operator knows no such token: fallback_required access_denied', async () => {
      for (const operatorToken of ['tok-D.refused', 'tok-unknown']) {
        const body = (await start({ phoneNumber: CIBA_NUMBER, operatorToken })).json();
        expect({ operatorToken, status: body.status, reason: body.verification.reason }).toEqual({ operatorToken, status: 'fallback_required', reason: 'access_denied' });
      }
    });

    it('the backchannel request expires before the subscriber answers: fallback_required operator_timeout', async () => {
      const body = (await start({ phoneNumber: CIBA_NUMBER, operatorToken: 'tok-E.expiring' })).json();
      expect(body).toMatchObject({ status: 'fallback_required', verification: { reason: 'operator_timeout' } });
    });

    it('an operator that never answers holds the start no longer than 3 × its timeout', async () => {
      const began = Date.now();
      const body = (await start({ phoneNumber: HASTY_NUMBER, operatorToken: 'tok-F.never' })).json();
      const took = Date.now() - began;
      expect(body).toMatchObject({ status: 'fallback_required', verification: { reason: 'operator_timeout', operator: 'ciba-hasty' } });
      // 3 × 500 ms, and it had polled once (interval 1 s) before giving up
      expect(took).toBeGreaterThanOrEqual(1400);
      expect(took).toBeLessThan(2500);
    });

    it('an interval longer than the bound allows: it gives up at once, without polling', async () => {
      const polls = () => ciba.requests.filter((r) => r.path.endsWith('/token')).length;
      const before = { polls: polls(), backchannel: backchannelCalls().length };
      const began = Date.now();
      const body = (await start({ phoneNumber: HASTIER_NUMBER, operatorToken: 'tok-G.never' })).json();
      expect(body).toMatchObject({ status: 'fallback_required', verification: { reason: 'operator_timeout', operator: 'ciba-hastier' } });
      expect(Date.now() - began).toBeLessThan(500);
      expect({ polls: polls(), backchannel: backchannelCalls().length }).toEqual({ polls: before.polls, backchannel: before.backchannel + 1 });
    });

    it('the backend moves on while the operator is polled: a late approval does not overwrite the SMS leg', async () => {
      const starting = start({ phoneNumber: LATE_NUMBER, operatorToken: 'tok-L.late' });
      let inProgress: { id: string } | undefined;
      while (!inProgress) {
        await new Promise((r) => setTimeout(r, 50));
        inProgress = (await broker.deps.store.verifications.listRecent(10)).find((v) => v.phoneNumber === LATE_NUMBER && v.status === 'silent_auth_in_progress');
      }
      const next = await backend.request('POST', `${broker.url}/v1/verifications/${inProgress.id}/next`, { body: {}, headers: auth });
      expect(next.json()).toMatchObject({ status: 'otp_sent', reason: 'next_channel' });
      const answered = (await starting).json();
      // the operator approved and Number Verification matched, after the backend had moved on
      expect(answered).toMatchObject({ verificationId: inProgress.id, status: 'otp_sent', verification: { reason: 'next_channel' } });
      expect(answered.verification.events.map((e: { type: string }) => e.type)).not.toContain('verified');
    });

    it('a start without an operator token never reaches the backchannel endpoint and never sends a tel: hint: SMS', async () => {
      const before = backchannelCalls().length;
      const res = await start({ phoneNumber: CIBA_NUMBER, network: 'cellular' });
      expect(res.status).toBe(201);
      expect(res.json()).toMatchObject({ method: 'sms_otp', status: 'otp_sent', verification: { reason: 'operator_token_required', operator: 'ciba' } });
      expect(backchannelCalls().length).toBe(before);
      expect(hints.every((hint) => hint.startsWith('operatortoken:'))).toBe(true);
      expect(ciba.requests.some((r) => decodeURIComponent(r.body + r.path).includes('tel:'))).toBe(false);
    });

    it('an operator that also serves the redirect: a start without a token takes the usual silent flow, not CIBA', async () => {
      const before = backchannelCalls().length;
      const res = await start({ phoneNumber: REDIRECT_TOO_NUMBER, network: 'cellular' });
      expect(res.json()).toMatchObject({ method: 'silent_auth', status: 'silent_auth_in_progress', checkUrl: expect.any(String), verification: { operator: 'ciba-or-redirect' } });
      expect(backchannelCalls().length).toBe(before);
      // with a token, the same operator uses it
      expect((await start({ phoneNumber: REDIRECT_TOO_NUMBER, operatorToken: 'tok-A.fresh_0123' })).json()).toMatchObject({ status: 'fallback_required', verification: { reason: 'number_mismatch' } });
      expect(backchannelCalls().length).toBe(before + 1);
    });

    it('a workflow that starts with sms does not use the token', async () => {
      const before = backchannelCalls().length;
      const res = await start({ phoneNumber: CIBA_NUMBER, operatorToken: 'tok-A.fresh_0123', workflow: [{ channel: 'sms' }, { channel: 'silent_auth' }] });
      expect(res.json()).toMatchObject({ status: 'otp_sent' });
      expect(backchannelCalls().length).toBe(before);
    });
  });

  describe('an operator in authorization_code mode, and the cookie API', () => {
    it('ignores the operator token: the usual checkUrl, and the token is sent nowhere', async () => {
      const token = `tok-unused-${randomBytes(6).toString('hex')}`;
      const res = await start({ phoneNumber: CODE_FLOW_NUMBER, network: 'cellular', operatorToken: token });
      expect(res.status).toBe(201);
      expect(res.json()).toMatchObject({ method: 'silent_auth', status: 'silent_auth_in_progress', checkUrl: expect.any(String), verification: { operator: 'code-flow' } });
      expect(ciba.requests.some((r) => (r.body + r.path).includes(token))).toBe(false);
      // on WiFi the token does not make it route to an operator that cannot use it
      expect((await start({ phoneNumber: CODE_FLOW_NUMBER, network: 'wifi', operatorToken: token })).json()).toMatchObject({ verification: { reason: 'network_wifi' } });
    });

    it('the cookie API takes no operator token (a start must not wait for an operator for an anonymous caller)', async () => {
      const res = await broker.device('127.0.0.5').post(`${broker.url}/v1/verifications`, { phoneNumber: CIBA_NUMBER, operatorToken: 'tok-A.fresh_0123' });
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(res.json().message).toContain('operatorToken');
    });

    it('refuses a malformed operator token before anything starts', async () => {
      const before = backchannelCalls().length;
      for (const operatorToken of ['', 'has space', 'x'.repeat(4097), 42, 'line\nbreak']) {
        const res = await start({ phoneNumber: CIBA_NUMBER, operatorToken });
        expect({ operatorToken, status: res.status }).toEqual({ operatorToken, status: 400 });
      }
      expect(backchannelCalls().length).toBe(before);
    });

    it('redirectFlow is refused on an operator whose usual flow is the redirect', () => {
      const base = { id: 'x', issuer: 'https://op.example.com', clientId: 'c', apiRoot: 'https://op.example.com', prefixes: ['+34'] };
      expect(operatorSchema.safeParse({ ...base, redirectFlow: true }).success).toBe(false);
      expect(operatorSchema.safeParse({ ...base, tokenAcquisition: 'authorization_code', redirectFlow: false }).success).toBe(false);
      expect(operatorSchema.safeParse({ ...base, tokenAcquisition: 'ciba', redirectFlow: true }).success).toBe(true);
      expect(operatorSchema.safeParse({ ...base, tokenAcquisition: 'password' }).success).toBe(false);
    });
  });

  describe('JWT-bearer (RFC 7523 §2.1, CAMARA profile)', () => {
    it('verifies the number with one signed assertion that is the grant and the client authentication', async () => {
      const before = jwtOp.tokenRequests.length;
      const body = (await start({ phoneNumber: JWT_NUMBER, network: 'cellular', operatorToken: 'tok-J.jwt_89ab' })).json();
      expect(body).toMatchObject({ method: 'silent_auth', status: 'verified', verification: { operator: 'jwt' } });
      expect(body.verification.events[1]).toMatchObject({ type: 'operator_token', detail: { grant: 'jwt_bearer' } });

      const [request] = jwtOp.tokenRequests.slice(before);
      expect(request.problems).toEqual([]);
      expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect([...request.params.keys()].sort()).toEqual(['assertion', 'grant_type']);
      expect(request.params.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
      expect(request.authorization).toBeUndefined();
      const { header, claims } = request.verified!;
      expect(claims).toMatchObject({ iss: 'broker-1', sub: 'operatortoken:tok-J.jwt_89ab', aud: jwtOp.tokenEndpoint, scope: JWT_SCOPE });
      expect(claims.exp! - claims.iat!).toBe(60);
      expect(claims.jti).toEqual(expect.any(String));
      expect(header.kid).toEqual(expect.any(String));
      neverLeaked('tok-J.jwt_89ab');
    });

    it('a fresh jti each time (the operator refuses a replayed assertion)', async () => {
      const before = jwtOp.tokenRequests.length;
      await start({ phoneNumber: JWT_NUMBER, operatorToken: 'tok-J.jwt_89ab' });
      await start({ phoneNumber: JWT_NUMBER, operatorToken: 'tok-J.jwt_89ab' });
      const [first, second] = jwtOp.tokenRequests.slice(before);
      expect(first.problems).toEqual([]);
      expect(second.problems).toEqual([]);
      expect(first.verified!.claims.jti).not.toBe(second.verified!.claims.jti);
    });

    it('an operator token of another number: number_mismatch; a token the operator refuses: access_denied', async () => {
      expect((await start({ phoneNumber: JWT_NUMBER, operatorToken: 'tok-K.jwt_other' })).json()).toMatchObject({ status: 'fallback_required', verification: { reason: 'number_mismatch' } });
      expect((await start({ phoneNumber: JWT_NUMBER, operatorToken: 'tok-unknown' })).json()).toMatchObject({
        status: 'fallback_required',
        verification: { reason: 'access_denied', events: expect.arrayContaining([expect.objectContaining({ type: 'fallback_required', detail: expect.objectContaining({ operatorCode: 'invalid_grant' }) })]) },
      });
    });

    it('a token endpoint slower than the operator timeout: operator_timeout, within the bound', async () => {
      const began = Date.now();
      expect((await start({ phoneNumber: JWT_NUMBER, operatorToken: 'tok-S.slow' })).json()).toMatchObject({ status: 'fallback_required', verification: { reason: 'operator_timeout' } });
      expect(Date.now() - began).toBeLessThan(1500);
    });

    it('without an operator token: no token request, and the number goes to SMS', async () => {
      const before = jwtOp.tokenRequests.length;
      expect((await start({ phoneNumber: JWT_NUMBER, network: 'cellular' })).json()).toMatchObject({ status: 'otp_sent', verification: { reason: 'operator_token_required' } });
      expect(jwtOp.tokenRequests.length).toBe(before);
    });
  });
});

// ── the CIBA operator's authentication device ──────────────────────────────────────────────────────────

interface CibaRequest {
  params: { login_hint: string };
  scope: string;
}

/** what the subscriber's device does, by token: approve at once (the operator token is the proof), refuse, or never answer */
async function triggerAuthenticationDevice(
  ctx: { body: Record<string, unknown>; oidc: { provider: CibaProvider } },
  request: CibaRequest,
  account: { accountId: string },
  client: { clientId: string },
): Promise<void> {
  // poll every second (CIBA's default is 5 s), so the tests stay quick and see the interval honoured
  ctx.body.interval = 1;
  const token = request.params.login_hint.slice('operatortoken:'.length);
  const provider = ctx.oidc.provider;
  if (token.endsWith('refused')) return provider.backchannelResult(request, new (errors as unknown as { AccessDenied: new (d: string) => Error }).AccessDenied('the subscriber refused'));
  if (token.endsWith('expiring') || token.endsWith('never')) return;
  const approve = async () => {
    const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
    grant.addOIDCScope(request.scope);
    await grant.save();
    await provider.backchannelResult(request, grant);
  };
  if (token.endsWith('late')) return void setTimeout(() => void approve(), 1500).unref();
  await approve();
}

interface CibaProvider {
  Grant: new (p: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
  backchannelResult(request: unknown, result: unknown): Promise<void>;
}

// ── a JWT-bearer operator that records and checks what it is sent ───────────────────────────────────────

interface TokenRequest {
  contentType?: string;
  authorization?: string;
  params: URLSearchParams;
  verified?: { header: jose.JWTHeaderParameters; claims: jose.JWTPayload & { scope?: string } };
  /** what the operator found wrong with the request, per RFC 7523 §3 and the CAMARA profile */
  problems: string[];
}

interface RecordingOperator {
  issuer: string;
  tokenEndpoint: string;
  apiRoot: string;
  tokenRequests: TokenRequest[];
  close(): Promise<void>;
}

async function startRecordingOperator(brokerUrl: string): Promise<RecordingOperator> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}/aggregator`;
  const tokenEndpoint = `${issuer}/token`;
  const brokerKeys = jose.createRemoteJWKSet(new URL(`${brokerUrl}/.well-known/jwks.json`));
  const seenJti = new Set<string>();
  const accessTokens = new Map<string, string>();
  const tokenRequests: TokenRequest[] = [];

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  async function token(req: IncomingMessage, raw: string, res: ServerResponse) {
    const params = new URLSearchParams(raw);
    const recorded: TokenRequest = { contentType: req.headers['content-type'], authorization: req.headers.authorization, params, problems: [] };
    tokenRequests.push(recorded);
    if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') recorded.problems.push('grant_type');
    for (const extra of ['client_assertion', 'client_assertion_type', 'client_id', 'client_secret']) if (params.has(extra)) recorded.problems.push(`sent ${extra}`);
    try {
      const { payload, protectedHeader } = await jose.jwtVerify(params.get('assertion') ?? '', brokerKeys, { issuer: 'broker-1', audience: tokenEndpoint, requiredClaims: ['sub', 'exp', 'iat', 'jti', 'scope'] });
      recorded.verified = { header: protectedHeader, claims: payload as jose.JWTPayload & { scope?: string } };
      if (payload.exp! - payload.iat! > 300) recorded.problems.push('lifetime over 300 s');
      if (seenJti.has(payload.jti!)) recorded.problems.push('replayed jti');
      seenJti.add(payload.jti!);
    } catch (err) {
      recorded.problems.push(`assertion: ${(err as Error).message}`);
    }
    if (recorded.problems.length) return json(res, 400, { error: 'invalid_request', error_description: recorded.problems.join('; ') });
    const sub = String(recorded.verified!.claims.sub);
    const subscriber = sub.startsWith('operatortoken:') ? SUBSCRIBERS[sub.slice('operatortoken:'.length)] : undefined;
    if (!subscriber) return json(res, 400, { error: 'invalid_grant', error_description: 'unknown operator token' });
    if (sub.endsWith('slow')) await new Promise((r) => setTimeout(r, 2000).unref());
    const accessToken = randomBytes(24).toString('base64url');
    accessTokens.set(accessToken, subscriber);
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope: JWT_SCOPE });
  }

  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url!, origin).pathname;
      if (req.method === 'GET' && path === '/aggregator/.well-known/openid-configuration') {
        return json(res, 200, { issuer, token_endpoint: tokenEndpoint, grant_types_supported: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] });
      }
      if (req.method === 'POST' && path === '/aggregator/token') return void token(req, raw, res).catch((err) => json(res, 500, { error: String(err) }));
      if (req.method === 'POST' && path === '/camara/number-verification/v2/verify') {
        const subscriber = accessTokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
        if (!subscriber) return json(res, 401, { status: 401, code: 'UNAUTHENTICATED', message: 'no such token' });
        return json(res, 200, { devicePhoneNumberVerified: JSON.parse(raw).phoneNumber === subscriber });
      }
      json(res, 404, { error: 'not_found' });
    });
  });

  return {
    issuer,
    tokenEndpoint,
    apiRoot: `${origin}/camara`,
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
