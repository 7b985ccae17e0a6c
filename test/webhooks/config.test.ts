import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigInvalid, envDoc, loadConfig, type Env } from '../../src/config/index.js';
import { webhookTargetOf } from '../../src/webhooks/targets.js';
import { nextAttemptAt, parseRetryAfter } from '../../src/webhooks/retry.js';
import type { Secrets } from '../../src/keys/secrets.js';

const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;
const load = (env: Env, file?: unknown) =>
  loadConfig({ DATA_DIR: '/tmp/broker-webhooks-config-test', ...env, ...(file !== undefined && { BROKER_CONFIG: 'broker.json' }) }, { readFile: () => JSON.stringify(file) });
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigInvalid) return err.problems;
    throw err;
  }
  throw new Error('expected ConfigInvalid');
};
const generated: Secrets = { sessionSecret: 's', otpSecret: 'o', adminApiKey: 'a', wso2ApiKey: 'w', cloudSoftphoneApiKey: 'c', webhookSecret: secretOf(32) };

describe('webhook configuration', () => {
  it('defaults to the Standard Webhooks schedule, a 15 s timeout, and no receiver for the default application', () => {
    const { webhooks, sessionTokens } = load({});
    expect(webhooks.retrySchedule).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(webhooks.timeoutMs).toBe(15000);
    expect(webhooks.applications).toEqual([{ id: 'default', url: undefined, secret: undefined }]);
    expect(sessionTokens.ttlSeconds).toBe(600);
    expect(webhooks.expiredEvents).toBe('after_code');
    expect(webhooks.retentionMs).toBe(168 * 3600_000);
  });

  it('reads WEBHOOK_EXPIRED_EVENTS and WEBHOOK_RETENTION_HOURS, and refuses bad values', () => {
    expect(load({ WEBHOOK_EXPIRED_EVENTS: 'all', WEBHOOK_RETENTION_HOURS: '24' }).webhooks).toMatchObject({ expiredEvents: 'all', retentionMs: 24 * 3600_000 });
    expect(problemsOf(() => load({ WEBHOOK_EXPIRED_EVENTS: 'some' })).join('\n')).toMatch(/WEBHOOK_EXPIRED_EVENTS/);
    expect(problemsOf(() => load({ WEBHOOK_RETENTION_HOURS: '0' })).join('\n')).toMatch(/WEBHOOK_RETENTION_HOURS/);
    expect(problemsOf(() => load({ WEBHOOK_RETENTION_HOURS: 'forever' })).join('\n')).toMatch(/WEBHOOK_RETENTION_HOURS/);
  });

  it.each([
    ['not whsec_', 'secret-of-the-wrong-kind-entirely-000000'],
    ['too short (16 bytes)', secretOf(16)],
    ['not base64', 'whsec_!!!!notbase64notbase64notbase64!!!!'],
  ])('refuses a WEBHOOK_SECRET that is %s', (_what, value) => {
    expect(problemsOf(() => load({ WEBHOOK_SECRET: value })).join('\n')).toMatch(/^WEBHOOK_SECRET: .*24 random bytes/);
  });

  it('accepts a secret of 24 random bytes', () => {
    const secret = secretOf(24);
    expect(load({ WEBHOOK_URL: 'https://backend.example/hooks', WEBHOOK_SECRET: secret }).webhooks.applications[0].secret).toBe(secret);
  });

  it.each([
    ['5,10', /starts with 0/],
    ['0,soon', /WEBHOOK_RETRY_SCHEDULE/],
    ['0,-5', /WEBHOOK_RETRY_SCHEDULE/],
  ])('refuses WEBHOOK_RETRY_SCHEDULE=%s', (value, message) => {
    expect(problemsOf(() => load({ WEBHOOK_RETRY_SCHEDULE: value })).join('\n')).toMatch(message);
  });

  it('reads a compressed schedule for tests', () => {
    expect(load({ WEBHOOK_RETRY_SCHEDULE: '0, 0.5 ,1' }).webhooks.retrySchedule).toEqual([0, 0.5, 1]);
  });

  it('lists every webhook and session-token variable in envDoc', () => {
    const names = envDoc.map((d) => d.name);
    for (const name of ['WEBHOOK_URL', 'WEBHOOK_SECRET', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_RETRY_SCHEDULE', 'WEBHOOK_POLL_MS', 'WEBHOOK_EXPIRED_EVENTS', 'WEBHOOK_RETENTION_HOURS', 'SESSION_TOKEN_TTL_SECONDS']) {
      expect(names).toContain(name);
    }
  });
});

describe('applications in BROKER_CONFIG', () => {
  const shop = { id: 'shop', webhookUrl: 'https://shop.example/hooks', webhookSecret: secretOf(32) };

  it('refuses a webhookUrl without a webhookSecret, a weak secret and duplicate ids', () => {
    expect(problemsOf(() => load({}, { applications: [{ id: 'shop', webhookUrl: 'https://shop.example/hooks' }] })).join('\n')).toMatch(/applications\.0\.webhookSecret/);
    expect(problemsOf(() => load({}, { applications: [{ ...shop, webhookSecret: secretOf(8) }] })).join('\n')).toMatch(/applications\.0\.webhookSecret/);
    expect(problemsOf(() => load({}, { applications: [shop, shop] })).join('\n')).toMatch(/duplicate application id "shop"/);
    expect(problemsOf(() => load({}, { applications: [{ ...shop, webhookUrl: 'ftp://shop.example/' }] })).join('\n')).toMatch(/applications\.0\.webhookUrl/);
  });

  it('refuses the default application configured both by WEBHOOK_URL and in the file', () => {
    expect(problemsOf(() => load({ WEBHOOK_URL: 'https://a.example/' }, { applications: [{ ...shop, id: 'default' }] })).join('\n')).toMatch(/configure it in one place/);
  });

  it("routes each application's events to its own URL and secret; the default one signs with the generated secret", () => {
    const config = load({ WEBHOOK_URL: 'https://backend.example/hooks' }, { applications: [shop, { id: 'kiosk' }] });
    expect(webhookTargetOf(config, generated, 'default')).toEqual({ applicationId: 'default', url: 'https://backend.example/hooks', secret: generated.webhookSecret });
    expect(webhookTargetOf(config, generated, 'shop')).toEqual({ applicationId: 'shop', url: shop.webhookUrl, secret: shop.webhookSecret });
    expect(webhookTargetOf(config, generated, 'kiosk')).toBeUndefined();
    expect(webhookTargetOf(config, generated, 'unknown')).toBeUndefined();
  });
});

describe('the retry schedule', () => {
  const schedule = [0, 5, 300];
  const now = new Date('2026-01-01T00:00:00Z');

  it('waits the next slot after each failed attempt and gives up after the last one', () => {
    expect(nextAttemptAt(schedule, 1, now)!.getTime() - now.getTime()).toBe(5000);
    expect(nextAttemptAt(schedule, 2, now)!.getTime() - now.getTime()).toBe(300_000);
    expect(nextAttemptAt(schedule, 3, now)).toBeUndefined();
  });

  it('lets a longer Retry-After win, caps it at a day, and ignores a shorter one', () => {
    expect(nextAttemptAt(schedule, 1, now, 60_000)!.getTime() - now.getTime()).toBe(60_000);
    expect(nextAttemptAt(schedule, 1, now, 1000)!.getTime() - now.getTime()).toBe(5000);
    expect(nextAttemptAt(schedule, 1, now, 30 * 86400_000)!.getTime() - now.getTime()).toBe(86400_000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
