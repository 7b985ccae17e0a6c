import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { renderEnvExample, withEnvTable } from '../../src/cli/env-example.js';
import { ConfigInvalid, envDoc, loadConfig } from '../../src/config/index.js';

function problemsOf(env: Record<string, string>, readFile?: (p: string) => string): string[] {
  try {
    loadConfig({ DATA_DIR: '/tmp/broker-config-test', ...env }, { readFile });
  } catch (err) {
    if (err instanceof ConfigInvalid) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('starts with no variables at all, with the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, publicUrl: 'http://localhost:3000', store: { kind: 'sqlite' }, sandbox: { enabled: true, port: 3001 } });
    expect(config.otp).toEqual({ engine: 'local', length: 6, ttlSeconds: 300, maxAttempts: 5, maxSends: 5, resendCooldownSeconds: 30 });
    expect(config.sms.providers).toEqual(['console']);
    expect(Object.isFrozen(config.otp)).toBe(true);
  });

  it.each([
    [{ PORT: 'seventy' }, 'PORT'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ OTP_TTL_SECONDS: '900' }, 'OTP_TTL_SECONDS'],
    [{ OTP_LENGTH: '3' }, 'OTP_LENGTH'],
    [{ SMS_LIMIT_PER_NUMBER: 'lots' }, 'SMS_LIMIT_PER_NUMBER'],
    [{ SMS_COUNTRIES_DENY: 'spain' }, 'SMS_COUNTRIES_DENY'],
    [{ SANDBOX_SIMS: '127.0.0.2:+34600000002' }, 'SANDBOX_SIMS'],
    [{ STORE: 'redis' }, 'REDIS_URL'],
    [{ SMS_PROVIDERS: 'twilio' }, 'TWILIO_ACCOUNT_SID'],
    [{ CLIENT_ASSERTION_ALG: 'HS256' }, 'CLIENT_ASSERTION_ALG'],
  ])('an invalid value (%o) stops the start with a message naming %s', (env, variable) => {
    const problems = problemsOf(env);
    expect(problems.some((p) => new RegExp(`^${variable}[.:]`).test(p))).toBe(true);
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', OTP_LENGTH: '99' })).toHaveLength(2);
  });

  it('reads operators from the BROKER_CONFIG file and refuses a malformed one naming the field', () => {
    const file = JSON.stringify({
      operators: [{ id: 'orange-es', issuer: 'https://auth.orange.example', clientId: 'c', apiRoot: 'https://api.orange.example/camara', apiVersionPath: '/number-verification/v0', prefixes: ['+34'] }],
    });
    // operators turn the sandbox off, and with it the console SMS provider
    const sms = { SMS_PROVIDERS: 'http', SMS_HTTP_URL: 'https://sms.example.com/send', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' };
    const config = loadConfig({ BROKER_CONFIG: 'ops.json', ...sms }, { readFile: () => file });
    expect(config.operators[0]).toMatchObject({ id: 'orange-es', clientAuth: 'private_key_jwt', loginHintFormat: 'tel', mode: 'verify', hashPhoneNumber: false });
    const bad = problemsOf({ BROKER_CONFIG: 'ops.json' }, () => JSON.stringify({ operators: [{ id: 'x', issuer: 'not a url', clientId: 'c', apiRoot: 'https://a', prefixes: ['+34'] }] }));
    expect(bad.join('\n')).toMatch(/BROKER_CONFIG operators\.0\.issuer/);
    expect(problemsOf({ BROKER_CONFIG: 'ops.json' }, () => '{not json').join()).toMatch(/BROKER_CONFIG: cannot read/);
  });

  describe('the sandbox (it claims numbers and shows every code: never where the broker looks like production)', () => {
    const operatorsFile = () => JSON.stringify({ operators: [{ id: 'orange-es', issuer: 'https://auth.orange.example', clientId: 'c', apiRoot: 'https://api.orange.example', prefixes: ['+34'] }] });
    const real = { SMS_PROVIDERS: 'http', SMS_HTTP_URL: 'https://sms.example.com/send', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' };

    it('is on by default for development (npm start with no variables)', () => {
      expect(loadConfig({ DATA_DIR: '/tmp/broker-config-test' }).sandbox.enabled).toBe(true);
    });

    it.each([
      ['NODE_ENV=production', { NODE_ENV: 'production' }, undefined, /NODE_ENV=production/],
      ['an https PUBLIC_URL', { PUBLIC_URL: 'https://verify.example.com' }, undefined, /PUBLIC_URL is https/],
      ['operators in BROKER_CONFIG', { BROKER_CONFIG: 'ops.json' }, operatorsFile, /BROKER_CONFIG configures operators/],
    ])('with %s, is off when SANDBOX is unset, and SANDBOX=on stops the start', (_case, env, readFile, reason) => {
      expect(loadConfig({ DATA_DIR: '/tmp/broker-config-test', ...real, ...env }, { readFile }).sandbox.enabled).toBe(false);
      expect(loadConfig({ DATA_DIR: '/tmp/broker-config-test', ...real, ...env, SANDBOX: '' }, { readFile }).sandbox.enabled).toBe(false);
      const refused = problemsOf({ ...real, ...env, SANDBOX: 'on' }, readFile);
      expect(refused).toEqual([expect.stringMatching(/^SANDBOX: on is refused because .*shows every code/)]);
      expect(refused[0]).toMatch(reason);
    });

    it('SANDBOX=off is honoured anywhere', () => {
      expect(loadConfig({ DATA_DIR: '/tmp/broker-config-test', ...real, SANDBOX: 'off' }).sandbox.enabled).toBe(false);
    });
  });

  describe('the console SMS provider (prints codes) runs only with the sandbox', () => {
    it('with the sandbox off, the default provider stops the start, naming SMS_PROVIDERS', () => {
      expect(problemsOf({ SANDBOX: 'off' })).toEqual([expect.stringMatching(/^SMS_PROVIDERS: the console provider/)]);
      expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^SMS_PROVIDERS: the console provider/)]);
      expect(problemsOf({ SANDBOX: 'off', SMS_PROVIDERS: 'http,console', SMS_HTTP_URL: 'https://sms.example.com/send', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' }).join()).toMatch(/^SMS_PROVIDERS:/);
    });

    it('is fine with the sandbox on, and a real provider is fine with it off', () => {
      expect(problemsOf({ SANDBOX: 'on' })).toEqual([]);
      expect(problemsOf({ SANDBOX: 'off', SMS_PROVIDERS: 'http', SMS_HTTP_URL: 'https://sms.example.com/send', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' })).toEqual([]);
    });
  });

  describe('RETURN_URL_PREFIXES', () => {
    it('parses http(s) prefixes to an exact origin and a path, and app deep links to scheme, host and path', () => {
      const config = loadConfig({ DATA_DIR: '/tmp/broker-config-test', RETURN_URL_PREFIXES: 'https://App.example.com/cb/,http://localhost:8080,com.example.app://verified/done' });
      expect(config.returnUrlPrefixes).toEqual([
        { kind: 'web', origin: 'https://app.example.com', path: '/cb' },
        { kind: 'web', origin: 'http://localhost:8080', path: '' },
        { kind: 'app', scheme: 'com.example.app:', host: 'verified', path: '/done' },
      ]);
      expect(loadConfig({ DATA_DIR: '/tmp/broker-config-test', PUBLIC_URL: 'http://localhost:4000' }).returnUrlPrefixes).toEqual([{ kind: 'web', origin: 'http://localhost:4000', path: '' }]);
    });

    it.each([
      ['javascript:alert(1)//'],
      ['data:text/html;base64'],
      ['file:///etc/passwd'],
      ['app.example.com/cb'],
      ['/cb'],
      ['https://user:pass@app.example.com/'],
      ['https://app.example.com/cb#frag'],
      ['https://app.example.com/cb?x=1'],
      ['com.example.app:verified'],
    ])('refuses %s at start', (prefix) => {
      expect(problemsOf({ RETURN_URL_PREFIXES: prefix })).toEqual([expect.stringMatching(/^RETURN_URL_PREFIXES: /)]);
    });
  });

  it('.env.example lists every variable the broker reads (regenerate with npm run env:example)', () => {
    const committed = readFileSync('.env.example', 'utf8');
    for (const v of envDoc) expect(committed).toContain(`\n${v.name}=`);
    expect(committed).toBe(renderEnvExample());
  });

  it("the README's configuration table is current", () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('env-table:start');
    expect(readme).toBe(withEnvTable(readme));
  });
});

describe('operator settings that cannot be safe or cannot work are refused at start (issue 16)', () => {
  const base = { id: 'op', issuer: 'https://op.example', clientId: 'c', apiRoot: 'https://api.op.example', prefixes: ['+34'] };
  const load = (operator: Record<string, unknown>, env: Record<string, string> = {}) =>
    loadConfig({ BROKER_CONFIG: '/cfg.json', SMS_PROVIDERS: 'http', SMS_HTTP_URL: 'https://sms.example/send', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}', OP_SECRET: 's3cret', ...env }, {
      readFile: () => JSON.stringify({ operators: [{ ...base, ...operator }] }),
    });

  it.each([
    [{ allowInsecureHttp: true }, { NODE_ENV: 'production' }, 'allowInsecureHttp'],
    [{ allowInsecureHttp: true }, { PUBLIC_URL: 'https://broker.example' }, 'allowInsecureHttp'],
    [{ clientAuth: 'client_secret_basic', clientSecretEnv: 'OP_SECRET', requestObject: true }, {}, 'requestObject'],
    [{ clientAuth: 'client_secret_post', clientSecretEnv: 'OP_SECRET', tokenAcquisition: 'jwt_bearer' }, {}, 'tokenAcquisition'],
  ])('%j with %j stops the start, naming %s', (operator, env, field) => {
    expect(() => load(operator, env)).toThrow(field);
  });

  it('a plain-http lab operator still loads in development', () => {
    expect(load({ allowInsecureHttp: true }).operators[0].allowInsecureHttp).toBe(true);
  });
});
