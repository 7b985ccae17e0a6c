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
    const config = loadConfig({ BROKER_CONFIG: 'ops.json' }, { readFile: () => file });
    expect(config.operators[0]).toMatchObject({ id: 'orange-es', clientAuth: 'private_key_jwt', loginHintFormat: 'tel', mode: 'verify', hashPhoneNumber: false });
    const bad = problemsOf({ BROKER_CONFIG: 'ops.json' }, () => JSON.stringify({ operators: [{ id: 'x', issuer: 'not a url', clientId: 'c', apiRoot: 'https://a', prefixes: ['+34'] }] }));
    expect(bad.join('\n')).toMatch(/BROKER_CONFIG operators\.0\.issuer/);
    expect(problemsOf({ BROKER_CONFIG: 'ops.json' }, () => '{not json').join()).toMatch(/BROKER_CONFIG: cannot read/);
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
