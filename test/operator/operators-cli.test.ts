import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';
import { NV_SCOPE, startStandardOperator, type StandardOperator } from './support/standard-operator.js';

/** `npm run operators -- …` as an operator team runs it at onboarding (dist/ is built by the test setup) */
function operatorsCli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/operators.js', ...args], { env: { PATH: process.env.PATH, SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV, ...env }, timeout: 20000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** the output line of one check: its verdict mark and the rest */
function lineOf(stdout: string, what: string): string {
  return stdout.split('\n').find((l) => l.slice(6).startsWith(what)) ?? `(no line "${what}")`;
}

describe('npm run operators -- check <id> (issue 16)', () => {
  let operator: StandardOperator;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'operators-cli-'));
    operator = await startStandardOperator({
      sims: {},
      signingAlgs: ['PS256'],
      client: { client_id: 'broker-1', redirect_uris: ['http://127.0.0.1:1/callback'], jwks_uri: 'http://127.0.0.1:1/.well-known/jwks.json', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'PS256', id_token_signed_response_alg: 'PS256' },
      // this operator takes only private_key_jwt
      configure: (defaults) => ({ ...defaults, clientAuthMethods: ['private_key_jwt'] }),
    });
    const ecKey = path.join(dir, 'ec.pem');
    writeFileSync(ecKey, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const secretFile = path.join(dir, 'secret');
    writeFileSync(secretFile, 'a-secret-the-operator-does-not-take');
    const base = { issuer: operator.issuer, clientId: 'broker-1', scope: `openid ${NV_SCOPE}`, apiRoot: operator.apiRoot, allowInsecureHttp: true };
    const config = path.join(dir, 'broker.json');
    writeFileSync(
      config,
      JSON.stringify({
        operators: [
          { ...base, id: 'fapi', prefixes: ['+3460'], clientAssertionAlg: 'PS256' },
          { ...base, id: 'byhand', prefixes: ['+3461'], clientAssertionAlg: 'PS256', metadata: { issuer: operator.issuer, authorization_endpoint: `${operator.issuer}/auth`, token_endpoint: `${operator.issuer}/token`, jwks_uri: `${operator.issuer}/jwks`, token_endpoint_auth_methods_supported: ['private_key_jwt'], token_endpoint_auth_signing_alg_values_supported: ['PS256'], id_token_signing_alg_values_supported: ['PS256'], code_challenge_methods_supported: ['S256'], scopes_supported: ['openid', NV_SCOPE] } },
          { ...base, id: 'es-default', prefixes: ['+3462'], privateKeyFile: ecKey },
          { ...base, id: 'secret', prefixes: ['+3463'], clientAuth: 'client_secret_post', clientSecretFile: secretFile },
          { ...base, id: 'down', prefixes: ['+3464'], issuer: 'http://127.0.0.1:9/oidc' },
        ],
      }),
    );
    env = { DATA_DIR: path.join(dir, 'data'), BROKER_CONFIG: config, PUBLIC_URL: 'http://127.0.0.1:1' };
  });
  afterAll(async () => {
    await operator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a usable operator with discovery: each check ok, a PS256 test assertion, exit 0 and what to register', async () => {
    const run = await operatorsCli(env, 'check', 'fapi');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(lineOf(run.stdout, 'discovery')).toMatch(/^ {2}ok .*\/oidc\/tenant-a/);
    expect(lineOf(run.stdout, 'client authentication')).toMatch(/^ {2}ok .*private_key_jwt\s+private_key_jwt$/);
    expect(lineOf(run.stdout, 'client assertion alg')).toMatch(/^ {2}ok .*PS256$/);
    expect(lineOf(run.stdout, 'test assertion')).toMatch(/signed \(PS256, kid ca-/);
    expect(lineOf(run.stdout, 'ID token alg')).toMatch(/^ {2}ok .*PS256/);
    expect(lineOf(run.stdout, 'operator JWKS')).toMatch(/^ {2}ok .*1 keys \(PS256\)/);
    expect(lineOf(run.stdout, 'PKCE method')).toMatch(/^ {2}ok .*S256/);
    expect(lineOf(run.stdout, 'iss in the response')).toMatch(/^ {2}ok .*true/);
    expect(lineOf(run.stdout, `scope ${NV_SCOPE}`)).toMatch(/^ {2}ok /);
    expect(lineOf(run.stdout, 'PAR')).toMatch(/PAR/);
    expect(run.stdout).toContain('Usable: register redirect_uri http://127.0.0.1:1/callback and jwks_uri http://127.0.0.1:1/.well-known/jwks.json');
    // nothing was sent to the token endpoint: a dry run
    expect(operator.requests.some((r) => r.path.endsWith('/token'))).toBe(false);
  });

  it('an operator without discovery is checked against its hand-given metadata, never asked for discovery', async () => {
    const before = operator.requests.length;
    const run = await operatorsCli(env, 'check', 'byhand');
    expect(run.code).toBe(0);
    expect(lineOf(run.stdout, 'metadata (by hand)')).toMatch(/^ {2}ok /);
    expect(operator.requests.slice(before).map((r) => r.path)).toEqual(['/jwks']); // (recorded relative to the issuer path)
  });

  it('an operator-issued EC key signs ES256 without a kid; a secret the operator does not take and an operator that does not answer are flagged, exit 1', async () => {
    const es = await operatorsCli(env, 'check', 'es-default');
    // oidc-provider advertises every alg it has enabled, so ES256 passes the list; the registration is stricter (not visible here)
    expect(lineOf(es.stdout, 'client assertion alg')).toMatch(/ES256$/);
    expect(lineOf(es.stdout, 'test assertion')).toMatch(/signed \(ES256, no kid\)/);

    const secret = await operatorsCli(env, 'check', 'secret');
    expect(secret.code).toBe(1);
    expect(lineOf(secret.stdout, 'client authentication')).toMatch(/^ {2}!! .*private_key_jwt\s+client_secret_post$/);
    expect(secret.stdout).toContain('Not usable as configured');
    expect(secret.stdout).not.toContain('a-secret-the-operator-does-not-take');

    const down = await operatorsCli(env, 'check', 'down');
    expect(down.code).toBe(1);
    expect(lineOf(down.stdout, 'discovery')).toMatch(/^ {2}!! .*unreachable/);
  });

  it('a key that does not fit its alg is a mismatch, not a crash; unknown ids and commands are usage errors', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ operators: [{ id: 'rsa-es', issuer: operator.issuer, clientId: 'broker-1', apiRoot: operator.apiRoot, prefixes: ['+34'], allowInsecureHttp: true, privateKeyFile: path.join(dir, 'ec.pem'), clientAssertionAlg: 'RS256' }] }));
    const run = await operatorsCli({ ...env, BROKER_CONFIG: bad }, 'check', 'rsa-es');
    expect(run.code).toBe(1);
    expect(lineOf(run.stdout, 'signing key')).toMatch(/^ {2}!! /);
    expect(run.stdout).toMatch(/operator rsa-es: privateKeyFile .* is an EC P-256 key but clientAssertionAlg is RS256/);

    expect((await operatorsCli(env, 'check', 'nobody')).code).toBe(2);
    expect((await operatorsCli(env, 'check')).code).toBe(2);
    expect((await operatorsCli(env, 'frobnicate')).code).toBe(2);
    const listed = await operatorsCli(env, 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/byhand\s+private_key_jwt\s+metadata by hand/);
  });
});
