import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { startTestBroker, type TestBroker } from '../support/broker.js';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A stand-in for an operator outside the machine (Vonage, or any CAMARA operator without discovery),
 * recording exactly what the broker sent: authorization request, token request, Number Verification call.
 */
async function startRecordingOperator(): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      requests.push({ method: req.method!, path: url.pathname, headers: req.headers, body: req.method === 'GET' ? url.search : body });
      if (url.pathname === '/oauth2/auth') {
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', 'code-123');
        back.searchParams.set('state', url.searchParams.get('state')!);
        res.writeHead(302, { location: back.href }).end();
      } else if (url.pathname === '/oauth2/token') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'at-xyz', token_type: 'Bearer', expires_in: 3600 }));
      } else if (url.pathname.endsWith('/verify')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ devicePhoneNumberVerified: true }));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

function operatorAt(url: string, overrides: Record<string, unknown>) {
  return {
    id: 'recorded',
    issuer: url,
    clientId: 'app-0f1e',
    clientAuth: 'private_key_jwt' as const,
    scope: 'openid number-verification:verify',
    loginHintFormat: 'tel' as const,
    apiRoot: `${url}/camara`,
    apiVersionPath: '/number-verification/v2',
    mode: 'verify' as const,
    hashPhoneNumber: false,
    prefixes: ['+'],
    allowInsecureHttp: true,
    idToken: false,
    metadata: { issuer: url, authorization_endpoint: `${url}/oauth2/auth`, token_endpoint: `${url}/oauth2/token` },
    ...overrides,
  };
}

async function runFlow(broker: TestBroker) {
  const phone = broker.device('127.0.0.2');
  const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
  return (await phone.get(location.href, { accept: 'application/json' })).json();
}

describe('client authentication at the operator token endpoint', () => {
  let operator: Awaited<ReturnType<typeof startRecordingOperator>>;
  beforeAll(async () => {
    operator = await startRecordingOperator();
  });
  afterAll(() => new Promise<void>((r) => operator.server.close(() => r())));

  it('private_key_jwt: RFC 7523 assertion with iss = sub = client_id, aud = token endpoint, jti, exp ≤ 300 s, kid from our JWKS', async () => {
    operator.requests.length = 0;
    const broker = await startTestBroker({ sandbox: false, operators: () => [operatorAt(operator.url, {})] });
    try {
      expect(await runFlow(broker)).toMatchObject({ status: 'verified' });
      const token = operator.requests.find((r) => r.path === '/oauth2/token')!;
      const form = new URLSearchParams(token.body);
      expect(form.get('grant_type')).toBe('authorization_code');
      expect(form.get('redirect_uri')).toBe(`${broker.url}/callback`);
      expect(form.get('code_verifier')).toMatch(/^[\w-]{43,128}$/);
      expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(token.headers.authorization).toBeUndefined();
      const jwks = jose.createLocalJWKSet((await broker.device().get(`${broker.url}/.well-known/jwks.json`)).json());
      const { payload, protectedHeader } = await jose.jwtVerify(form.get('client_assertion')!, jwks, {
        issuer: 'app-0f1e',
        subject: 'app-0f1e',
        audience: `${operator.url}/oauth2/token`,
      });
      expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: expect.stringMatching(/^ca-/) });
      expect(payload.jti).toEqual(expect.any(String));
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      const verify = operator.requests.find((r) => r.path === '/camara/number-verification/v2/verify')!;
      expect(verify.headers.authorization).toBe('Bearer at-xyz');
      expect(verify.headers['x-correlator']).toEqual(expect.any(String));
      expect(JSON.parse(verify.body)).toEqual({ phoneNumber: '+34600000002' });
    } finally {
      await broker.close();
    }
  });

  it("Vonage's mode: application JWT as Bearer (RS256), plain +E164 login_hint, the dpv scope and the v031 path", async () => {
    operator.requests.length = 0;
    const broker = await startTestBroker({
      sandbox: false,
      env: { CLIENT_ASSERTION_ALG: 'RS256' },
      operators: () => [
        operatorAt(operator.url, {
          clientAuth: 'vonage_bearer',
          applicationId: 'vonage-app-1',
          loginHintFormat: 'e164',
          scope: 'openid dpv:FraudPreventionAndDetection#number-verification-verify-read',
          apiVersionPath: '/number-verification/v031',
        }),
      ],
    });
    try {
      expect(await runFlow(broker)).toMatchObject({ status: 'verified' });
      const auth = new URLSearchParams(operator.requests.find((r) => r.path === '/oauth2/auth')!.body);
      expect(auth.get('login_hint')).toBe('+34600000002');
      expect(auth.get('scope')).toBe('openid dpv:FraudPreventionAndDetection#number-verification-verify-read');
      expect(auth.get('client_id')).toBe('app-0f1e');
      const token = operator.requests.find((r) => r.path === '/oauth2/token')!;
      expect(token.headers['content-type']).toMatch(/application\/x-www-form-urlencoded/);
      expect(new URLSearchParams(token.body).get('client_assertion')).toBeNull();
      const bearer = token.headers.authorization!.replace(/^Bearer /, '');
      const jwks = jose.createLocalJWKSet((await broker.device().get(`${broker.url}/.well-known/jwks.json`)).json());
      const { payload, protectedHeader } = await jose.jwtVerify(bearer, jwks);
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({ application_id: 'vonage-app-1', jti: expect.any(String), iat: expect.any(Number), exp: expect.any(Number) });
      expect(operator.requests.some((r) => r.path === '/camara/number-verification/v031/verify')).toBe(true);
    } finally {
      await broker.close();
    }
  });
});
