import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxOperator, SANDBOX_CLIENT_ID } from '../../src/operator/sandbox-operator.js';
import { startSandboxOperator, type RunningSandbox } from '../../src/sandbox/index.js';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';

/**
 * The sandbox's Telco Finder (POST /telco-finder/v1/search) and a "ported" SIM: +34600000002 is claimed by the
 * prefix of another operator (a second sandbox, which knows the device at 127.0.0.2 as another number), while
 * the sandbox's Telco Finder says the sandbox serves it.
 */
describe('the sandbox Telco Finder and a ported SIM', () => {
  let broker: TestBroker;
  let other: RunningSandbox;
  const configFile = path.join(tmpdir(), `broker-sandbox-tf-${process.pid}-${Date.now()}.json`);

  beforeAll(async () => {
    broker = await startTestBroker({
      background: false,
      env: { BROKER_CONFIG: configFile },
      beforeOperators: async (url) => {
        other = await startSandboxOperator({
          port: 0,
          clients: [{ clientId: SANDBOX_CLIENT_ID, jwksUri: `${url}/.well-known/jwks.json`, redirectUris: [`${url}/callback`] }],
          sims: { '127.0.0.2': '+34600000099' },
          logger: { warn: () => {}, info: () => {} },
        });
      },
      operators: (issuer) => {
        writeFileSync(configFile, JSON.stringify({ telcoFinder: { url: issuer, issuer, clientId: SANDBOX_CLIENT_ID, scope: 'telcofinder', allowedHosts: ['127.0.0.1'] } }));
        return [{ ...sandboxOperator(other.issuer), id: 'other', prefixes: ['+34'] }, sandboxOperator(issuer!)];
      },
    });
  });
  afterAll(async () => {
    await broker?.close();
    await other?.close();
  });

  it('verifies the ported number at the operator Telco Finder names, not the one its prefix names', async () => {
    expect(broker.deps.operators.route('+34600000002')?.id).toBe('other');
    const { callback } = await verifySilently(broker, broker.device('127.0.0.2'), '+34600000002');
    const verificationId = new URL(callback.headers.location!, broker.url).searchParams.get('verificationId')!;
    const record = await broker.deps.store.verifications.get(verificationId);
    expect(record).toMatchObject({ status: 'verified', operatorId: 'sandbox' });
  });

  it('answers only with its client-credentials token (401 without one, 403 with a Number Verification token)', async () => {
    const search = `${broker.sandbox!.issuer}/telco-finder/v1/search`;
    const body = { target: { phoneNumber: '+34600000002' } };
    const device = broker.device();
    expect((await device.post(search, body)).status).toBe(401);
    // a Number Verification token is for the same resource server (the sandbox's apiRoot) but lacks the scope
    const nvToken = await broker.sandbox!.mintAccessToken({ phoneNumber: '+34600000002', scope: 'number-verification:verify' });
    expect((await device.post(search, body, { authorization: `Bearer ${nvToken}` })).status).toBe(403);
  });

  it('names its own SIMs (Telco Finder first, then the prefix) and no operator for other numbers (404: the prefix decides)', async () => {
    expect((await broker.deps.operators.resolve('+34600000002')).map((op) => op.id)).toEqual(['sandbox', 'other']);
    expect((await broker.deps.operators.resolve('+34600000077')).map((op) => op.id)).toEqual(['other']);
  });
});
