import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { OperatorFailure } from '../../src/operator/failure.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';

const RANDOM_32_BYTES = /^[\w-]{43}$/;

describe('beginAuthorization / completeAuthorization: OIDC stays inside operator/', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false });
  });
  afterAll(() => broker.close());

  /** the device's side: open the authorization URL at the sandbox, stop at the redirect to /callback */
  async function authorizeOnDevice(url: string): Promise<URLSearchParams> {
    const { location } = await broker.device('127.0.0.2').followUntil(url, (next) => next.pathname === '/callback');
    return location.searchParams;
  }

  it('makes state, nonce and PKCE verifier itself, and puts state, nonce and the S256 challenge in the URL', async () => {
    const operator = broker.deps.operators.route('+34600000002')!;
    const { url, authState } = await broker.deps.operators.beginAuthorization(operator, '+34600000002');
    expect(authState).toEqual({ state: expect.stringMatching(RANDOM_32_BYTES), nonce: expect.stringMatching(RANDOM_32_BYTES), codeVerifier: expect.stringMatching(RANDOM_32_BYTES), operatorId: operator.id });
    expect(new Set([authState.state, authState.nonce, authState.codeVerifier]).size).toBe(3);
    const params = new URL(url).searchParams;
    expect(params.get('state')).toBe(authState.state);
    expect(params.get('nonce')).toBe(authState.nonce);
    expect(params.get('code_challenge')).toBe(createHash('sha256').update(authState.codeVerifier).digest('base64url'));
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('login_hint')).toBe('tel:+34600000002');
    expect(params.get('code_verifier')).toBeNull();
  });

  it('completes with the authState it was given: an access token the Number Verification call accepts', async () => {
    const operator = broker.deps.operators.route('+34600000002')!;
    const { url, authState } = await broker.deps.operators.beginAuthorization(operator, '+34600000002');
    const callback = await authorizeOnDevice(url);
    const accessToken = await broker.deps.operators.completeAuthorization(operator, callback, authState);
    expect(await broker.deps.operators.isNumberOnDevice(operator, accessToken, '+34600000002', 'corr-1')).toBe(true);
  });

  it("refuses a callback whose state is not the authState's, as invalid_operator_response", async () => {
    const operator = broker.deps.operators.route('+34600000002')!;
    const first = await broker.deps.operators.beginAuthorization(operator, '+34600000002');
    const second = await broker.deps.operators.beginAuthorization(operator, '+34600000002');
    const callback = await authorizeOnDevice(first.url);
    const failure = await broker.deps.operators.completeAuthorization(operator, callback, second.authState).catch((err) => err);
    expect(failure).toBeInstanceOf(OperatorFailure);
    expect(failure.reason).toBe('invalid_operator_response');
  });
});
