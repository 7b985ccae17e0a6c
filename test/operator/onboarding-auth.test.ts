import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as jose from 'jose';
import pino from 'pino';
import { buildDeps } from '../../src/build-deps.js';
import { ConfigInvalid, loadConfig, type OperatorConfig } from '../../src/config/index.js';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { NV_SCOPE, startStandardOperator, type RecordedRequest, type StandardOperator } from './support/standard-operator.js';

/**
 * Issue 16, items 1, 2, 3 and 6: operator setups that must be expressible, each against an operator built from the
 * standards (oidc-provider: path issuer, PS256 ID tokens), configured through BROKER_CONFIG as an operator team would.
 * One operator holds one client registration per setup; each setup is a broker operator with its own prefix.
 */
const SECRET = 'op-issued-secret-0123456789abcdef';
const dir = mkdtempSync(path.join(tmpdir(), 'onboarding-auth-'));
const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaKeyFile = path.join(dir, 'operator-issued-rsa.pem');
writeFileSync(rsaKeyFile, rsaKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const secretFile = path.join(dir, 'client-secret.txt');
writeFileSync(secretFile, `${SECRET}\n`);

/** source address → number, one per setup, each under its operator's prefix */
const SIMS = {
  '127.0.0.2': '+34600000002',
  '127.0.0.3': '+34610000003',
  '127.0.0.4': '+34620000004',
  '127.0.0.5': '+34630000005',
  '127.0.0.6': '+34640000006',
  '127.0.0.7': '+34650000007',
  '127.0.0.8': '+34660000008',
  '127.0.0.9': '+34670000009',
  '127.0.0.10': '+34680000010',
};

function operatorEntry(op: StandardOperator, fields: Record<string, unknown>) {
  return { issuer: op.issuer, clientId: 'broker-1', scope: `openid ${NV_SCOPE}`, apiRoot: op.apiRoot, allowInsecureHttp: true, ...fields };
}

/** metadata as an operator without discovery hands it over (oidc-provider's endpoints under the path issuer) */
function handMetadata(op: StandardOperator, extra: Record<string, unknown> = {}) {
  return { issuer: op.issuer, authorization_endpoint: `${op.issuer}/auth`, token_endpoint: `${op.issuer}/token`, jwks_uri: `${op.issuer}/jwks`, authorization_response_iss_parameter_supported: true, ...extra };
}

function writeBrokerConfig(operators: unknown[]): string {
  const file = path.join(mkdtempSync(path.join(dir, 'cfg-')), 'broker.json');
  writeFileSync(file, JSON.stringify({ operators }));
  return file;
}

/** the operators as the broker loads them from BROKER_CONFIG (secrets from the environment or a file) */
function loadOperators(file: string, env: Record<string, string> = {}): OperatorConfig[] {
  return loadConfig({ DATA_DIR: dir, BROKER_CONFIG: file, SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV, ...env }).operators;
}

/**
 * A jest artefact, not an oidc-provider one: it structuredClone()s static clients, and under jest's vm the clone
 * is made of the outer realm's objects, so its `constructor === Object` check refuses an inline `jwks`. A JSON
 * round trip clones in this realm. (Could move to test/setup/realm.ts.)
 */
const realStructuredClone = globalThis.structuredClone;
beforeAll(() => {
  globalThis.structuredClone = ((value: unknown) => (value === undefined ? value : JSON.parse(JSON.stringify(value)))) as typeof structuredClone;
});
afterAll(() => {
  globalThis.structuredClone = realStructuredClone;
  rmSync(dir, { recursive: true, force: true });
});

describe('operator onboarding: algorithms, keys and client secrets (issue 16)', () => {
  let broker: TestBroker;
  let operator: StandardOperator;
  beforeAll(async () => {
    let configFile = '';
    broker = await startTestBroker({
      background: false,
      sandbox: false,
      beforeOperators: async (brokerUrl) => {
        const registration = (clientId: string, extra: Record<string, unknown>) => ({
          client_id: clientId,
          redirect_uris: [`${brokerUrl}/callback`],
          id_token_signed_response_alg: 'PS256',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          ...extra,
        });
        const brokerJwks = { jwks_uri: `${brokerUrl}/.well-known/jwks.json`, token_endpoint_auth_method: 'private_key_jwt' };
        const rsaPublic = { ...rsaKey.publicKey.export({ format: 'jwk' }), use: 'sig' };
        operator = await startStandardOperator({
          sims: SIMS,
          signingAlgs: ['PS256'],
          client: registration('broker-1', brokerJwks),
          configure: (defaults) => ({
            ...defaults,
            clients: [
              ...defaults.clients,
              // FAPI-style: oidc-provider refuses any other assertion alg for this client
              registration('broker-ps256', { ...brokerJwks, token_endpoint_auth_signing_alg: 'PS256' }),
              // the operator issued this RSA key and holds its public half (inline JWKS, no URL of ours)
              registration('broker-rsa', { jwks: { keys: [rsaPublic] }, token_endpoint_auth_method: 'private_key_jwt' }),
              registration('broker-basic', { client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic' }),
              registration('broker-post', { client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' }),
            ],
          }),
        });
        configFile = writeBrokerConfig([
          // item 1: no discovery, ID-token alg in the hand-given metadata, plus a misspelt field to be named
          operatorEntry(operator, { id: 'byhand', prefixes: ['+3460'], metadata: handMetadata(operator, { id_token_signing_alg_values_supported: ['PS256'], token_endpoint_auth_method: 'private_key_jwt' }) }),
          // item 1: no discovery, the ID-token alg as a per-operator setting
          operatorEntry(operator, { id: 'byalg', prefixes: ['+3461'], idTokenSigningAlg: 'PS256', metadata: handMetadata(operator) }),
          // item 1, negative: neither says PS256, so RS256 is expected and the PS256 ID token is refused
          operatorEntry(operator, { id: 'noalg', prefixes: ['+3462'], metadata: handMetadata(operator) }),
          // item 3: the broker's own key, PS256 for this operator only
          operatorEntry(operator, { id: 'fapi', prefixes: ['+3463'], clientId: 'broker-ps256', clientAssertionAlg: 'PS256' }),
          // item 3, negative: the default alg (ES256) to an operator that enforces PS256
          operatorEntry(operator, { id: 'fapi-es', prefixes: ['+3464'], clientId: 'broker-ps256' }),
          // item 2: an operator-issued RSA key, alg taken from the key
          operatorEntry(operator, { id: 'rsakey', prefixes: ['+3465'], clientId: 'broker-rsa', privateKeyFile: rsaKeyFile }),
          // item 4: shared secrets, from the environment and from a file
          operatorEntry(operator, { id: 'basic', prefixes: ['+3466'], clientId: 'broker-basic', clientAuth: 'client_secret_basic', clientSecretEnv: 'OPERATOR_BASIC_SECRET' }),
          operatorEntry(operator, { id: 'post', prefixes: ['+3467'], clientId: 'broker-post', clientAuth: 'client_secret_post', clientSecretFile: secretFile }),
          operatorEntry(operator, { id: 'wrongsecret', prefixes: ['+3468'], clientId: 'broker-basic', clientAuth: 'client_secret_basic', clientSecretEnv: 'OPERATOR_WRONG_SECRET' }),
        ]);
      },
      operators: () => loadOperators(configFile, { OPERATOR_BASIC_SECRET: SECRET, OPERATOR_WRONG_SECRET: 'not-the-secret' }),
    });
  });
  afterAll(async () => {
    await broker?.close();
    await operator?.close();
  });

  /** runs the device's silent flow from `address`; returns the callback's JSON and the token request the broker sent */
  async function verifyFrom(address: keyof typeof SIMS): Promise<{ result: Record<string, unknown>; token?: RecordedRequest; discovery: boolean }> {
    const before = operator.requests.length;
    const phone = broker.device(address);
    const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=${encodeURIComponent(SIMS[address])}&redirect=true`, (n) => n.pathname === '/callback' && n.origin === broker.url);
    const result = (await phone.get(location.href, { accept: 'application/json' })).json() as Record<string, unknown>;
    const requests = operator.requests.slice(before);
    return { result, token: requests.find((r) => r.path.endsWith('/token')), discovery: requests.some((r) => r.path.includes('/.well-known/')) };
  }

  it('an operator without discovery, PS256 ID tokens in its hand-given metadata: verified silently, never asked for discovery', async () => {
    const { result, discovery } = await verifyFrom('127.0.0.2');
    expect(result).toMatchObject({ status: 'verified', method: 'silent_auth', operator: 'byhand' });
    expect(discovery).toBe(false);
  });

  it('an operator without discovery with idTokenSigningAlg: verified silently; with neither, the PS256 ID token is refused', async () => {
    expect((await verifyFrom('127.0.0.3')).result).toMatchObject({ status: 'verified', operator: 'byalg' });
    const refused = await verifyFrom('127.0.0.4');
    expect(refused.result).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: 'The callback failed validation.' });
  });

  it('names, at start, the hand-given metadata fields it ignores (operator and fields)', () => {
    const warning = broker.logs.map((l) => JSON.parse(l)).find((l) => l.ignoredMetadataFields);
    expect(warning).toMatchObject({ level: 40, operator: 'byhand', ignoredMetadataFields: ['token_endpoint_auth_method'] });
    expect(broker.logs.filter((l) => l.includes('ignoredMetadataFields'))).toHaveLength(1);
  });

  it('an operator-issued RSA key (privateKeyFile) signs RS256 client assertions: verified silently', async () => {
    const { result, token } = await verifyFrom('127.0.0.7');
    expect(result).toMatchObject({ status: 'verified', operator: 'rsakey' });
    const assertion = new URLSearchParams(token!.body).get('client_assertion')!;
    const header = jose.decodeProtectedHeader(assertion);
    expect(header.alg).toBe('RS256');
    // registered without a kid: none in the header, so the operator tries the client's keys
    expect(header.kid).toBeUndefined();
  });

  it('clientAssertionAlg PS256 for one operator: a PS256 key of the broker is published and signs its assertions; ES256 is refused there', async () => {
    const { result, token } = await verifyFrom('127.0.0.5');
    expect(result).toMatchObject({ status: 'verified', operator: 'fapi' });
    const header = jose.decodeProtectedHeader(new URLSearchParams(token!.body).get('client_assertion')!);
    expect(header.alg).toBe('PS256');
    const jwks = (await (await fetch(`${broker.url}/.well-known/jwks.json`)).json()) as { keys: jose.JWK[] };
    expect(jwks.keys.find((k) => k.kid === header.kid)).toMatchObject({ alg: 'PS256', kty: 'RSA', use: 'sig' });
    // the other operators still get the default ES256 key, also published
    expect(jwks.keys.filter((k) => k.kid?.startsWith('ca-')).map((k) => k.alg).sort()).toEqual(['ES256', 'PS256']);

    const wrong = await verifyFrom('127.0.0.6');
    expect(jose.decodeProtectedHeader(new URLSearchParams(wrong.token!.body).get('client_assertion')!).alg).toBe('ES256');
    expect(wrong.result).toMatchObject({ status: 'fallback_required', reason: 'token_exchange_failed' });
  });

  it('client_secret_basic: the secret from the environment, in Authorization: Basic only', async () => {
    const { result, token } = await verifyFrom('127.0.0.8');
    expect(result).toMatchObject({ status: 'verified', operator: 'basic' });
    const [scheme, credentials] = String(token!.headers.authorization).split(' ');
    expect(scheme).toBe('Basic');
    expect(Buffer.from(credentials, 'base64').toString().split(':').map(decodeURIComponent)).toEqual(['broker-basic', SECRET]);
    const form = new URLSearchParams(token!.body);
    expect([...form.keys()].sort()).toEqual(['code', 'code_verifier', 'grant_type', 'redirect_uri']);
  });

  it('client_secret_post: the secret from a file, as client_id and client_secret form fields, no Authorization header', async () => {
    const { result, token } = await verifyFrom('127.0.0.9');
    expect(result).toMatchObject({ status: 'verified', operator: 'post' });
    expect(token!.headers.authorization).toBeUndefined();
    const form = new URLSearchParams(token!.body);
    expect(form.get('client_id')).toBe('broker-post');
    expect(form.get('client_secret')).toBe(SECRET);
    expect(form.has('client_assertion')).toBe(false);
  });

  it('a wrong client secret is refused by the operator and the verification falls back to SMS', async () => {
    const { result, token } = await verifyFrom('127.0.0.10');
    expect(token).toBeDefined();
    expect(result).toMatchObject({ status: 'fallback_required', reason: 'token_exchange_failed' });
  });

  it('the secret never reaches a log line or a serialized operator config', () => {
    expect(broker.logs.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(broker.deps.operators.byId('basic'))).not.toContain(SECRET);
  });
});

describe('operator credentials that cannot work stop the start (issue 16)', () => {
  const base = { issuer: 'http://127.0.0.1:9/oidc', clientId: 'c', apiRoot: 'http://127.0.0.1:9/camara', prefixes: ['+34'] };

  /** loads the config and builds the broker's dependencies, as main.ts does; the error that stops the start, if any */
  async function startWith(entry: Record<string, unknown>, env: Record<string, string> = {}): Promise<unknown> {
    try {
      const file = writeBrokerConfig([{ id: 'acme', ...base, ...entry }]);
      const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(dir, 'data-')), BROKER_CONFIG: file, SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV, ...env });
      const { deps } = await buildDeps(config, { logger: pino({ level: 'silent' }), operators: config.operators });
      await deps.store.close();
      return undefined;
    } catch (err) {
      return err;
    }
  }

  it('an RSA key with clientAssertionAlg ES256, an EC P-384 key, an unreadable key file: ConfigInvalid naming the operator', async () => {
    const p384File = path.join(dir, 'p384.pem');
    writeFileSync(p384File, generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const problems = async (entry: Record<string, unknown>) => {
      const err = await startWith(entry);
      expect(err).toBeInstanceOf(ConfigInvalid);
      return (err as ConfigInvalid).problems.join('\n');
    };
    expect(await problems({ privateKeyFile: rsaKeyFile, clientAssertionAlg: 'ES256' })).toMatch(/operator acme: privateKeyFile .* is an RSA key but clientAssertionAlg is ES256/);
    expect(await problems({ privateKeyFile: p384File })).toMatch(/operator acme: .* is a EC secp384r1 key/);
    expect(await problems({ privateKeyFile: path.join(dir, 'missing.pem') })).toMatch(/operator acme: privateKeyFile .*missing\.pem cannot be read as a PEM private key \(ENOENT\)/);
    // the same RSA key with a fitting alg starts
    expect(await startWith({ privateKeyFile: rsaKeyFile, clientAssertionAlg: 'PS256' })).toBeUndefined();
  });

  it('a client secret inline, from a variable that is not set, or with a key setting: refused at load', async () => {
    expect(String(await startWith({ clientAuth: 'client_secret_basic', clientSecret: 'inline' }))).toMatch(/clientSecret/);
    expect(String(await startWith({ clientAuth: 'client_secret_basic', clientSecretEnv: 'UNSET_SECRET_VAR' }))).toMatch(/operator acme: clientSecretEnv UNSET_SECRET_VAR is not set/);
    expect(String(await startWith({ clientAuth: 'client_secret_post' }))).toMatch(/needs exactly one of clientSecretEnv or clientSecretFile/);
    expect(String(await startWith({ clientAuth: 'client_secret_post', clientSecretFile: secretFile, privateKeyFile: rsaKeyFile }))).toMatch(/signs nothing/);
    expect(String(await startWith({ clientSecretEnv: 'X' }))).toMatch(/only for client_secret_basic or client_secret_post/);
  });

  it('the broker process itself exits 1 at start on a key/alg mismatch, naming the operator', async () => {
    const file = writeBrokerConfig([{ id: 'acme', ...base, privateKeyFile: rsaKeyFile, clientAssertionAlg: 'ES256' }]);
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, ['dist/main.js'], { env: { PATH: process.env.PATH, DATA_DIR: mkdtempSync(path.join(dir, 'data-')), PORT: '0', BROKER_CONFIG: file, SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV }, timeout: 20000 }, (err, _out, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/operator acme: privateKeyFile .* is an RSA key but clientAssertionAlg is ES256/);
  });
});
