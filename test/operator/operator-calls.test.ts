import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { MAX_OPERATOR_RESPONSE_BYTES } from '../../src/operator/lean-http.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';

const CLIENT_ID = 'app-0f1e';
/** more than the bound on every answer from an operator */
const PADDING = 'x'.repeat(MAX_OPERATOR_RESPONSE_BYTES + 1024);

interface Misbehaviour {
  bigDiscovery?: boolean;
  bigJwks?: boolean;
  bigVerifyAnswer?: boolean;
  /** the ID token signed with a key of the attacker's, under the operator's kid */
  forgedIdToken?: boolean;
  /** the ID token's claims changed after signing (another subject), its signature kept */
  tamperedIdToken?: boolean;
}

/**
 * An OIDC operator outside the machine with discovery, a JWKS and signed ID tokens, that can be told to send
 * answers no operator sends: each is a way for a broken or hostile operator to make the broker read megabytes.
 */
async function startIdTokenOperator() {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256');
  const attackerKey = (await jose.generateKeyPair('RS256')).privateKey;
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid: 'op-1', alg: 'RS256', use: 'sig' };
  const nonces = new Map<string, string>();
  const asked: string[] = [];
  let misbehaviour: Misbehaviour = {};
  let url = '';
  const json = (res: import('node:http').ServerResponse, body: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      const target = new URL(req.url!, url);
      asked.push(target.pathname);
      switch (target.pathname) {
        case '/.well-known/openid-configuration':
          return json(res, {
            issuer: url,
            authorization_endpoint: `${url}/auth`,
            token_endpoint: `${url}/token`,
            jwks_uri: `${url}/jwks`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            ...(misbehaviour.bigDiscovery && { service_documentation: PADDING }),
          });
        case '/auth': {
          const code = `code-${nonces.size}`;
          nonces.set(code, target.searchParams.get('nonce')!);
          const back = new URL(target.searchParams.get('redirect_uri')!);
          back.searchParams.set('code', code);
          back.searchParams.set('state', target.searchParams.get('state')!);
          return res.writeHead(302, { location: back.href }).end();
        }
        case '/token': {
          const idToken = await new jose.SignJWT({ nonce: nonces.get('code-' + (nonces.size - 1)) })
            .setProtectedHeader({ alg: 'RS256', kid: 'op-1' })
            .setIssuer(url)
            .setAudience(CLIENT_ID)
            .setSubject('device-1')
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(misbehaviour.forgedIdToken ? attackerKey : privateKey);
          const [header, payload, signature] = idToken.split('.');
          const tampered = { ...jose.decodeJwt(idToken), sub: 'device-2' };
          const sent = misbehaviour.tamperedIdToken ? `${header}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${signature}` : `${header}.${payload}.${signature}`;
          return json(res, { access_token: 'at-1', token_type: 'Bearer', expires_in: 300, id_token: sent });
        }
        case '/jwks':
          return json(res, { keys: [publicJwk], ...(misbehaviour.bigJwks && { padding: PADDING }) });
        case '/camara/number-verification/v2/verify':
          return json(res, { devicePhoneNumberVerified: true, ...(misbehaviour.bigVerifyAnswer && { padding: PADDING }) });
        default:
          return res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    asked,
    misbehave(how: Misbehaviour) {
      misbehaviour = how;
      asked.length = 0;
    },
  };
}

type IdTokenOperator = Awaited<ReturnType<typeof startIdTokenOperator>>;

function brokerFor(operator: IdTokenOperator): Promise<TestBroker> {
  return startTestBroker({
    sandbox: false,
    operators: () => [
      {
        id: 'oidc-op',
        issuer: operator.url,
        clientId: CLIENT_ID,
        clientAuth: 'private_key_jwt',
        scope: 'openid number-verification:verify',
        loginHintFormat: 'tel',
        apiRoot: `${operator.url}/camara`,
        apiVersionPath: '/number-verification/v2',
        mode: 'verify',
        hashPhoneNumber: false,
        prefixes: ['+'],
        allowInsecureHttp: true,
        idToken: true,
      },
    ],
  });
}

async function silentOutcome(broker: TestBroker) {
  const phone = broker.device('127.0.0.2');
  const start = await phone.get(`${broker.url}/login?phoneNumber=%2B34600000002`, { accept: 'application/json' });
  const { authUrl, verification } = start.json() as { authUrl?: string; verification: { status: string; reason?: string } };
  if (!authUrl) return verification;
  const { location } = await phone.followUntil(authUrl, (next) => next.pathname === '/callback');
  const callback = await phone.get(location.href, { accept: 'application/json' });
  return callback.json() as { status: string; reason?: string };
}

describe('every call to an operator is bounded in size: discovery, JWKS, token and Number Verification', () => {
  let operator: IdTokenOperator;
  beforeAll(async () => {
    operator = await startIdTokenOperator();
  });
  afterAll(() => new Promise<void>((r) => operator.server.close(() => r())));

  it('an operator that answers as it should is verified, its ID token checked against its JWKS', async () => {
    operator.misbehave({});
    const broker = await brokerFor(operator);
    try {
      expect(await silentOutcome(broker)).toMatchObject({ status: 'verified' });
      expect(operator.asked).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/token', '/jwks', '/camara/number-verification/v2/verify']));
    } finally {
      await broker.close();
    }
  });

  it('a discovery document larger than the bound is refused: the verification goes to SMS', async () => {
    operator.misbehave({ bigDiscovery: true });
    const broker = await brokerFor(operator);
    try {
      expect(await silentOutcome(broker)).toMatchObject({ status: 'fallback_required', reason: 'operator_unavailable' });
    } finally {
      await broker.close();
    }
  });

  it('a JWKS larger than the bound is refused: the ID token cannot be checked and the verification goes to SMS', async () => {
    operator.misbehave({ bigJwks: true });
    const broker = await brokerFor(operator);
    try {
      expect(await silentOutcome(broker)).toMatchObject({ status: 'fallback_required', reason: 'token_exchange_failed' });
      expect(operator.asked).toContain('/jwks');
      expect(operator.asked).not.toContain('/camara/number-verification/v2/verify');
    } finally {
      await broker.close();
    }
  });

  // the ID token comes straight from the token endpoint, but its signature is checked all the same (openid-client's
  // non-repudiation check, or the broker's own: operator/id-token-signature.ts): a token the operator did not sign
  // ends the silent leg before the Number Verification call
  for (const how of ['forgedIdToken', 'tamperedIdToken'] as const) {
    it(`an ID token the operator did not sign as sent (${how}) is refused: no Number Verification call, the verification goes to SMS`, async () => {
      operator.misbehave({ [how]: true });
      const broker = await brokerFor(operator);
      try {
        const phone = broker.device('127.0.0.2');
        const { authUrl } = (await phone.get(`${broker.url}/login?phoneNumber=%2B34600000002`, { accept: 'application/json' })).json() as { authUrl: string };
        const { location } = await phone.followUntil(authUrl, (next) => next.pathname === '/callback');
        const callback = await phone.get(location.href, { accept: 'application/json' });
        expect(callback.status).toBe(400);
        const { verificationId } = callback.json() as { verificationId: string };
        const read = (await phone.get(`${broker.url}/v1/verifications/${verificationId}`, { accept: 'application/json' })).json() as Record<string, unknown>;
        expect(read).toMatchObject({ status: 'fallback_required', reason: 'invalid_operator_response' });
        expect(read.sessionToken).toBeUndefined();
        expect(operator.asked).toContain('/token');
        expect(operator.asked).not.toContain('/camara/number-verification/v2/verify');
      } finally {
        await broker.close();
      }
    });
  }

  it('a Number Verification answer larger than the bound is refused as an operator error', async () => {
    operator.misbehave({ bigVerifyAnswer: true });
    const broker = await brokerFor(operator);
    try {
      expect(await silentOutcome(broker)).toMatchObject({ status: 'fallback_required', reason: 'operator_error' });
    } finally {
      await broker.close();
    }
  });
});

describe('every call to an operator is bounded in time by OPERATOR_TIMEOUT_MS', () => {
  it('a token endpoint slower than OPERATOR_TIMEOUT_MS (but under a second) times out at that bound', async () => {
    const broker = await startTestBroker({
      background: false,
      sandbox: { faults: { delayMs: 600, endpoints: ['token'] } },
      env: { OPERATOR_TIMEOUT_MS: '300' },
    });
    try {
      const phone = broker.device('127.0.0.2');
      const started = Date.now();
      const { callback } = await verifySilently(broker, phone, '+34600000002');
      const result = new URL(callback.headers.location!);
      expect(result.searchParams.get('status')).toBe('fallback_required');
      const verification = (await phone.get(`${broker.url}/v1/verifications/${result.searchParams.get('verificationId')}`, { accept: 'application/json' })).json() as { reason?: string };
      expect(verification.reason).toBe('operator_timeout');
      expect(Date.now() - started).toBeLessThan(600 + 2000);
    } finally {
      await new Promise((r) => setTimeout(r, 500)); // the sandbox finishes the late token answer before it closes
      await broker.close();
    }
  });
});
