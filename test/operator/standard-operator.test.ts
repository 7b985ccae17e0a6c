import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { operatorEntryFor, startStandardOperator, type StandardOperator } from './support/standard-operator.js';

/**
 * Issue 16: an operator deployed from the standards (oidc-provider with a path issuer, PS256 ID tokens and
 * pairwise subjects), configured in the broker like any other: the silent flow completes against it.
 */
describe('an operator built from the standards (path issuer, PS256 ID tokens, pairwise subjects)', () => {
  let broker: TestBroker;
  let operator: StandardOperator;
  beforeAll(async () => {
    let brokerUrl = '';
    broker = await startTestBroker({
      background: false,
      sandbox: false,
      operators: () => [operatorEntryFor(operator, { id: 'standard', clientId: 'broker-1' })],
      beforeOperators: async (url) => {
        brokerUrl = url;
        operator = await startStandardOperator({
          sims: { '127.0.0.2': '+34600000002' },
          signingAlgs: ['PS256'],
          client: {
            client_id: 'broker-1',
            redirect_uris: [`${brokerUrl}/callback`],
            jwks_uri: `${brokerUrl}/.well-known/jwks.json`,
            token_endpoint_auth_method: 'private_key_jwt',
            id_token_signed_response_alg: 'PS256',
            subject_type: 'pairwise',
          },
        });
      },
    });
  });
  afterAll(async () => {
    await broker?.close();
    await operator?.close();
  });

  it('verifies a number silently, and a device on WiFi falls back', async () => {
    const phone = broker.device('127.0.0.2');
    const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback' && n.origin === broker.url);
    const done = (await phone.get(location.href, { accept: 'application/json' })).json();
    expect(done).toMatchObject({ status: 'verified', method: 'silent_auth', operator: 'standard' });
    expect(operator.requests.some((r) => r.path.endsWith('/token'))).toBe(true);

    const laptop = broker.device('127.0.0.9');
    const back = await laptop.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback' && n.origin === broker.url);
    expect((await laptop.get(back.location.href, { accept: 'application/json' })).json()).toMatchObject({ status: 'fallback_required', reason: 'access_denied' });
  });
});
