import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { ConfigInvalid, loadConfig, type OperatorConfig } from '../../src/config/index.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { NV_SCOPE, startStandardOperator, type Configuration, type StandardOperator } from './support/standard-operator.js';

/**
 * Issue 16, items 4 and 5: signed (JAR), pushed (PAR) and sender-constrained (DPoP) requests, against operators
 * built from the standards (oidc-provider) that REQUIRE each of them. Every number has its own SIM (source
 * address) and its own broker operator entry (prefix), so one broker serves every case.
 */
const SIMS: Record<string, string> = {};
const sim = (n: number) => {
  const address = `127.0.1.${n}`;
  SIMS[address] = `+346${String(n).padStart(2, '0')}000000`;
  return { address, phoneNumber: SIMS[address] };
};
const JAR = sim(1);
const JAR_OFF = sim(2);
const PAR = sim(3);
const PAR_OFF = sim(4);
const PAR_JAR = sim(5);
const PAR_UNKNOWN_CLIENT = sim(6);
const AUTO = sim(7);
const DPOP = sim(8);
const DPOP_OFF = sim(9);
const BEARER_AT_DPOP_RS = sim(10);

const prefixOf = (phoneNumber: string) => phoneNumber.slice(0, 6);

describe('signed, pushed and sender-constrained requests (JAR, PAR, DPoP)', () => {
  let broker: TestBroker;
  /** requires, per client: signed request objects (broker-jar), PAR (broker-par), both (broker-par-jar) */
  let strict: StandardOperator;
  /** another tenant, where broker-jar is registered too: a request object for `strict` must not pass here */
  let otherTenant: StandardOperator;
  /** requires PAR and signed request objects for every client, and says so in its discovery */
  let advertising: StandardOperator;
  /** issues DPoP-bound tokens (required for broker-dpop, with nonces at the token endpoint) and checks DPoP on Number Verification */
  let dpopOperator: StandardOperator;

  beforeAll(async () => {
    let brokerUrl = '';
    const client = (clientId: string, extra: Record<string, unknown> = {}) => ({
      client_id: clientId,
      redirect_uris: [`${brokerUrl}/callback`],
      jwks_uri: `${brokerUrl}/.well-known/jwks.json`,
      token_endpoint_auth_method: 'private_key_jwt',
      ...extra,
    });
    const withClients = (...more: Record<string, unknown>[]) => (d: Configuration) => ({ ...d, clients: [...d.clients, ...more] });
    const entry = (id: string, issuer: string, clientId: string, phoneNumber: string, extra: Partial<OperatorConfig> = {}): OperatorConfig => ({
      id,
      issuer,
      clientId,
      clientAuth: 'private_key_jwt',
      scope: `openid ${NV_SCOPE}`,
      loginHintFormat: 'tel',
      apiRoot: (issuer === dpopOperator.issuer ? dpopOperator : issuer === advertising.issuer ? advertising : strict).apiRoot,
      apiVersionPath: '/number-verification/v2',
      mode: 'verify',
      hashPhoneNumber: false,
      prefixes: [prefixOf(phoneNumber)],
      allowInsecureHttp: true,
      idToken: true,
      ...extra,
    });
    broker = await startTestBroker({
      background: false,
      sandbox: false,
      beforeOperators: async (url) => {
        brokerUrl = url;
        strict = await startStandardOperator({
          sims: SIMS,
          client: client('broker-jar', { require_signed_request_object: true }),
          configure: (d) =>
            withClients(client('broker-par', { require_pushed_authorization_requests: true }), client('broker-par-jar', { require_pushed_authorization_requests: true, require_signed_request_object: true }))({
              ...d,
              features: { ...d.features, requestObjects: { enabled: true }, pushedAuthorizationRequests: { enabled: true } },
            }),
        });
        otherTenant = await startStandardOperator({
          issuerPath: '/oidc/tenant-b',
          sims: SIMS,
          client: client('broker-jar', { require_signed_request_object: true }),
          configure: (d) => ({ ...d, features: { ...d.features, requestObjects: { enabled: true } } }),
        });
        advertising = await startStandardOperator({
          sims: SIMS,
          client: client('broker-auto'),
          configure: (d) => ({
            ...d,
            features: {
              ...d.features,
              requestObjects: { enabled: true, requireSignedRequestObject: true },
              pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
            },
          }),
        });
        dpopOperator = await startStandardOperator({
          sims: SIMS,
          client: client('broker-dpop', { dpop_bound_access_tokens: true }),
          verifyDpop: { nonce: 'rs-nonce-1' },
          configure: (d) =>
            withClients(client('broker-bearer'))({
              ...d,
              features: { ...d.features, dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } },
            }),
        });
      },
      operators: () => [
        entry('jar', strict.issuer, 'broker-jar', JAR.phoneNumber, { requestObject: true }),
        entry('jar-off', strict.issuer, 'broker-jar', JAR_OFF.phoneNumber),
        entry('par', strict.issuer, 'broker-par', PAR.phoneNumber, { par: true }),
        entry('par-off', strict.issuer, 'broker-par', PAR_OFF.phoneNumber),
        entry('par-jar', strict.issuer, 'broker-par-jar', PAR_JAR.phoneNumber, { par: true, requestObject: true }),
        entry('par-unknown-client', strict.issuer, 'broker-unknown', PAR_UNKNOWN_CLIENT.phoneNumber, { par: true }),
        entry('auto', advertising.issuer, 'broker-auto', AUTO.phoneNumber),
        entry('dpop', dpopOperator.issuer, 'broker-dpop', DPOP.phoneNumber, { dpop: true }),
        entry('dpop-off', dpopOperator.issuer, 'broker-dpop', DPOP_OFF.phoneNumber),
        entry('bearer', dpopOperator.issuer, 'broker-bearer', BEARER_AT_DPOP_RS.phoneNumber),
      ],
    });
  });
  afterAll(async () => {
    await broker?.close();
    await Promise.all([strict, otherTenant, advertising, dpopOperator].map((op) => op?.close()));
  });

  /** /login on the device, through the operator, back to /callback: the hops and the verification at the end */
  async function verify(sim: { address: string; phoneNumber: string }) {
    const device = broker.device(sim.address);
    const start = `${broker.url}/login?phoneNumber=${encodeURIComponent(sim.phoneNumber)}&network=cellular&redirect=true`;
    const { location, hops } = await device.followUntil(start, (n) => n.pathname === '/callback' && n.origin === broker.url);
    const callback = await device.get(location.href, { accept: 'application/json' });
    return { hops, callback, verification: callback.json() };
  }

  /** the device's request to the operator's authorization endpoint (the second hop, after the broker's /login) */
  const authorizationHop = (hops: string[], operator: StandardOperator) => new URL(hops.find((h) => h.startsWith(`${operator.issuer}/auth`))!);

  async function brokerJwks() {
    return jose.createLocalJWKSet(await (await fetch(`${broker.url}/.well-known/jwks.json`)).json());
  }

  describe('JAR (RFC 9101, CAMARA "Signed Authentication Requests")', () => {
    it('sends scope, response_type, client_id and redirect_uri in plain beside a request object that carries every parameter, and verifies', async () => {
      const { hops, verification } = await verify(JAR);
      expect(verification).toMatchObject({ status: 'verified', method: 'silent_auth', operator: 'jar' });

      const query = authorizationHop(hops, strict).searchParams;
      expect([...query.keys()].sort()).toEqual(['client_id', 'redirect_uri', 'request', 'response_type', 'scope']);
      const { payload, protectedHeader } = await jose.jwtVerify(query.get('request')!, await brokerJwks(), { typ: 'oauth-authz-req+jwt' });
      expect(protectedHeader.kid).toBeTruthy();
      for (const name of ['scope', 'response_type', 'client_id', 'redirect_uri']) expect(payload[name]).toBe(query.get(name));
      expect(payload).toMatchObject({
        iss: 'broker-jar',
        client_id: 'broker-jar',
        response_type: 'code',
        redirect_uri: `${broker.url}/callback`,
        scope: `openid ${NV_SCOPE}`,
        login_hint: `tel:${JAR.phoneNumber}`,
        code_challenge_method: 'S256',
        state: expect.any(String),
        nonce: expect.any(String),
        code_challenge: expect.any(String),
        jti: expect.any(String),
      });
      expect(payload.aud).toEqual([`${strict.issuer}/auth`, strict.issuer]);
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      expect(payload.iat!).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(payload.sub).toBeUndefined();
    });

    it('puts prompt in the request object too, and a fresh jti in each', async () => {
      const operator = { ...broker.deps.operators.byId('jar')!, prompt: 'none' as const };
      const first = new URL((await broker.deps.operators.beginAuthorization(operator, JAR.phoneNumber)).url).searchParams;
      const second = new URL((await broker.deps.operators.beginAuthorization(operator, JAR.phoneNumber)).url).searchParams;
      const [a, b] = [jose.decodeJwt(first.get('request')!), jose.decodeJwt(second.get('request')!)];
      expect(a.prompt).toBe('none');
      expect(first.get('prompt')).toBeNull();
      expect(a.jti).not.toBe(b.jti);
    });

    it('without requestObject, an operator that requires signed requests refuses the broker, which falls back', async () => {
      const { verification } = await verify(JAR_OFF);
      expect(verification).toMatchObject({ status: 'fallback_required', reason: 'authorization_error' });
    });

    it("a request object made for one tenant is refused at another tenant's authorization endpoint (aud)", async () => {
      const operator = broker.deps.operators.byId('jar')!;
      const signed = new URL((await broker.deps.operators.beginAuthorization(operator, JAR.phoneNumber)).url);
      const elsewhere = new URL(`${otherTenant.issuer}/auth`);
      elsewhere.search = signed.search;
      const answer = await broker.device(JAR.address).get(elsewhere.href);
      const back = new URL(answer.headers.location!);
      expect(back.searchParams.get('error')).toBe('invalid_request_object');
      expect(back.searchParams.get('error_description')).toMatch(/claims are invalid/);
    });
  });

  describe('PAR (RFC 9126)', () => {
    it('pushes the request with client authentication: the device gets only client_id and request_uri, and verifies', async () => {
      const before = strict.requests.length;
      const { hops, verification } = await verify(PAR);
      expect(verification).toMatchObject({ status: 'verified', operator: 'par' });
      const query = authorizationHop(hops, strict).searchParams;
      expect([...query.keys()].sort()).toEqual(['client_id', 'request_uri']);
      expect(query.get('client_id')).toBe('broker-par');

      const pushed = strict.requests.slice(before).find((r) => r.path.endsWith('/request'))!;
      const body = new URLSearchParams(pushed.body);
      expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(body.get('login_hint')).toBe(`tel:${PAR.phoneNumber}`);
      expect(body.get('code_challenge_method')).toBe('S256');
      expect(pushed.headers.dpop).toBeUndefined();
      // the push is an operator call of its own in the metrics
      const metrics = await broker.deps.metrics.registry.getMetricsAsJSON();
      const calls = metrics.find((m) => m.name === 'broker_operator_request_duration_seconds')?.values ?? [];
      expect(calls.some((v) => v.labels.operator === 'par' && v.labels.endpoint === 'par' && v.labels.outcome === 'ok')).toBe(true);
    });

    it('without par, an operator that requires PAR of the broker refuses it, which falls back', async () => {
      const { verification } = await verify(PAR_OFF);
      expect(verification).toMatchObject({ status: 'fallback_required', reason: 'authorization_error' });
    });

    it('with JAR too, the pushed body is the signed request object with its plain parameters', async () => {
      const before = strict.requests.length;
      const { hops, verification } = await verify(PAR_JAR);
      expect(verification).toMatchObject({ status: 'verified', operator: 'par-jar' });
      expect([...authorizationHop(hops, strict).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      const body = new URLSearchParams(strict.requests.slice(before).find((r) => r.path.endsWith('/request'))!.body);
      expect(body.get('login_hint')).toBeNull();
      const { payload } = await jose.jwtVerify(body.get('request')!, await brokerJwks());
      expect(payload).toMatchObject({ iss: 'broker-par-jar', login_hint: `tel:${PAR_JAR.phoneNumber}` });
    });

    it('an operator that refuses the push (unknown client) means fallback at start, not a 500', async () => {
      const answer = await broker.device(PAR_UNKNOWN_CLIENT.address).get(`${broker.url}/login?phoneNumber=${encodeURIComponent(PAR_UNKNOWN_CLIENT.phoneNumber)}&network=cellular`);
      expect(answer.status).toBe(200);
      expect(answer.json()).toMatchObject({ method: 'sms_otp', status: 'fallback_required', verification: { reason: 'operator_error' } });
    });

    it("signs and pushes on its own when the operator's discovery says it requires both", async () => {
      const before = advertising.requests.length;
      const { hops, verification } = await verify(AUTO);
      expect(verification).toMatchObject({ status: 'verified', operator: 'auto' });
      expect([...authorizationHop(hops, advertising).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      const body = new URLSearchParams(advertising.requests.slice(before).find((r) => r.path.endsWith('/request'))!.body);
      expect(jose.decodeJwt(body.get('request')!)).toMatchObject({ iss: 'broker-auto' });
    });
  });

  describe('DPoP (RFC 9449)', () => {
    /** the broker's Number Verification calls to the DPoP operator since `before` */
    const nvCalls = (before: number) => dpopOperator.requests.slice(before).filter((r) => r.path.endsWith('/verify'));

    it('gets a DPoP-bound token (through the token endpoint nonce) and proves possession on Number Verification', async () => {
      const before = dpopOperator.requests.length;
      const { verification } = await verify(DPOP);
      expect(verification).toMatchObject({ status: 'verified', operator: 'dpop' });

      const tokenCalls = dpopOperator.requests.slice(before).filter((r) => r.path.endsWith('/token'));
      expect(tokenCalls.length).toBe(2); // use_dpop_nonce, then the retry openid-client makes
      expect(tokenCalls.every((r) => typeof r.headers.dpop === 'string')).toBe(true);

      const [first, retry] = nvCalls(before);
      expect(first.headers.authorization).toMatch(/^DPoP /);
      expect(jose.decodeJwt(first.headers.dpop as string).nonce).toBeUndefined();
      const proof = jose.decodeJwt(retry.headers.dpop as string);
      const token = (retry.headers.authorization as string).slice('DPoP '.length);
      expect(proof).toMatchObject({ htm: 'POST', htu: `${dpopOperator.apiRoot}/number-verification/v2/verify`, nonce: 'rs-nonce-1' });
      expect(proof.ath).toBe(createHash('sha256').update(token).digest('base64url'));
      expect(jose.decodeProtectedHeader(retry.headers.dpop as string)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC' } });
      expect((jose.decodeProtectedHeader(retry.headers.dpop as string).jwk as jose.JWK).d).toBeUndefined();
    });

    describe('the operator, as a resource server, refuses a stolen DPoP-bound token', () => {
      let recorded: { authorization: string; dpop: string; body: string };
      const call = (headers: Record<string, string>, body = recorded.body) =>
        fetch(`${dpopOperator.apiRoot}/number-verification/v2/verify`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      beforeAll(async () => {
        const before = dpopOperator.requests.length;
        await verify(DPOP);
        const retry = nvCalls(before).at(-1)!;
        recorded = { authorization: retry.headers.authorization as string, dpop: retry.headers.dpop as string, body: retry.body };
      });

      it('presented as a bearer token', async () => {
        const token = recorded.authorization.slice('DPoP '.length);
        expect((await call({ authorization: `Bearer ${token}` })).status).toBe(401);
      });

      it('replayed with the proof it came with', async () => {
        const answer = await call({ authorization: recorded.authorization, dpop: recorded.dpop });
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toMatch(/invalid_dpop_proof/);
      });

      it('with a proof signed by another key', async () => {
        const { privateKey, publicKey } = await jose.generateKeyPair('ES256');
        const token = recorded.authorization.slice('DPoP '.length);
        const proof = await new jose.SignJWT({
          htm: 'POST',
          htu: `${dpopOperator.apiRoot}/number-verification/v2/verify`,
          ath: createHash('sha256').update(token).digest('base64url'),
          nonce: 'rs-nonce-1',
        })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await jose.exportJWK(publicKey) })
          .setIssuedAt()
          .setJti(randomBytes(16).toString('base64url'))
          .sign(privateKey);
        const answer = await call({ authorization: recorded.authorization, dpop: proof });
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toMatch(/invalid_token/);
      });
    });

    it('without dpop, an operator that requires DPoP-bound tokens refuses the code exchange, and the broker falls back', async () => {
      const { verification } = await verify(DPOP_OFF);
      expect(verification).toMatchObject({ status: 'fallback_required', reason: 'token_exchange_failed' });
    });

    it('a bearer call to a Number Verification that requires DPoP is refused, and the broker falls back', async () => {
      const before = dpopOperator.requests.length;
      const { verification } = await verify(BEARER_AT_DPOP_RS);
      expect(verification).toMatchObject({ status: 'fallback_required', reason: 'operator_error' });
      const [call] = nvCalls(before);
      expect(call.headers.authorization).toMatch(/^Bearer /);
      expect(call.headers.dpop).toBeUndefined();
    });
  });

  it('refuses at start an operator without discovery that asks for PAR but names no PAR endpoint', () => {
    const operator = {
      id: 'no-discovery',
      issuer: 'https://op.example',
      clientId: 'c',
      apiRoot: 'https://op.example/camara',
      prefixes: ['+34'],
      par: true,
      metadata: { issuer: 'https://op.example', authorization_endpoint: 'https://op.example/auth', token_endpoint: 'https://op.example/token' },
    };
    const load = () => loadConfig({ DATA_DIR: '/tmp/broker-config-test', BROKER_CONFIG: 'ops.json' }, { readFile: () => JSON.stringify({ operators: [operator] }) });
    expect(load).toThrow(ConfigInvalid);
    expect(() => load()).toThrow(/pushed_authorization_request_endpoint/);
  });
});
