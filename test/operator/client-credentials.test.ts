import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { operatorEntryFor, startStandardOperator, type StandardOperator } from './support/standard-operator.js';

/** 2-legged tokens for the operator APIs that name the number in the request (SIM Swap, Number Recycling, OTP SMS). */
describe('client-credentials tokens at an operator', () => {
  let broker: TestBroker;
  let operator: StandardOperator;
  beforeAll(async () => {
    broker = await startTestBroker({
      background: false,
      sandbox: false,
      beforeOperators: async (url) => {
        operator = await startStandardOperator({
          sims: {},
          client: {
            client_id: 'broker-cc',
            redirect_uris: [`${url}/callback`],
            jwks_uri: `${url}/.well-known/jwks.json`,
            token_endpoint_auth_method: 'private_key_jwt',
            grant_types: ['authorization_code', 'client_credentials'],
          },
          configure: (defaults) => ({ ...defaults, scopes: [...defaults.scopes, 'sim-swap:check'], features: { ...defaults.features, clientCredentials: { enabled: true } } }),
        });
      },
      operators: () => [operatorEntryFor(operator, { id: 'cc', clientId: 'broker-cc' })],
    });
  });
  afterAll(async () => {
    await broker?.close();
    await operator?.close();
  });

  it('gets a token with a client assertion, and reuses it until shortly before it expires', async () => {
    const op = broker.deps.operators.byId('cc')!;
    const first = await broker.deps.operators.clientCredentialsToken(op, 'sim-swap:check');
    const second = await broker.deps.operators.clientCredentialsToken(op, 'sim-swap:check');
    expect(first.value).toBeTruthy();
    expect(second).toEqual(first);
    const tokenCalls = operator.requests.filter((r) => r.path.endsWith('/token'));
    expect(tokenCalls).toHaveLength(1);
    const form = new URLSearchParams(tokenCalls[0].body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('sim-swap:check');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });

  it('a refusal at the token endpoint is an OperatorFailure, never a crash, and nothing is cached', async () => {
    const op = broker.deps.operators.byId('cc')!;
    const unknownClient = { ...op, id: 'cc-unknown', clientId: 'not-registered' };
    await expect(broker.deps.operators.clientCredentialsToken(unknownClient, 'sim-swap:check')).rejects.toMatchObject({ reason: 'token_exchange_failed' });
    await expect(broker.deps.operators.clientCredentialsToken(unknownClient, 'sim-swap:check')).rejects.toMatchObject({ reason: 'token_exchange_failed' });
  });
});
