import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { API_KEY } from '../../src/applications/application.js';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';

const ADMIN_API_KEY = 'admin-key-for-the-apps-cli-tests-0123456789';

/** `npm run apps -- …` as an administrator runs it (dist/ is built by the test setup), against DATA_DIR */
function apps(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/apps.js', ...args], { env: { PATH: process.env.PATH, DATA_DIR: dataDir, SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run apps (applications)', () => {
  let dataDir: string;
  let broker: TestBroker;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'broker-apps-'));
    broker = await startTestBroker({ dataDir, background: false, env: { ADMIN_API_KEY } });
  });
  afterAll(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async (pathname: string) => {
    const res = await broker.device().get(`${broker.url}${pathname}`, { authorization: `Bearer ${ADMIN_API_KEY}` });
    return { status: res.status, text: res.text, body: res.json() };
  };

  it('create prints the key once; the running broker\'s admin API lists the application; list and show never print the key or its hash', async () => {
    const created = await apps(dataDir, 'create', '--name', 'Mobile Banking', '--id', 'banking', '--webhook-url', 'https://bank.example.com/hooks', '--return-url-prefix', 'https://bank.example.com/done', '--return-url-prefix', 'com.example.bank://verified', '--sms-brand', 'Bank', '--sms-languages', 'es,en', '--countries-allow', 'es,pt', '--sms-per-day', '200');
    expect(created.code).toBe(0);
    const apiKey = /apiKey: (\S+)/.exec(created.stdout)?.[1];
    expect(apiKey).toMatch(API_KEY);
    expect(created.stdout).toMatch(/This is the only time the key is shown/);
    expect(created.stdout.split(apiKey!)).toHaveLength(2); // printed once

    const seen = await api('/v1/applications');
    expect(seen.body.applications).toEqual([
      expect.objectContaining({
        id: 'banking',
        name: 'Mobile Banking',
        webhookUrl: 'https://bank.example.com/hooks',
        returnUrlPrefixes: ['https://bank.example.com/done', 'com.example.bank://verified'],
        sms: { brand: 'Bank', languages: ['es', 'en'] },
        countries: { allow: ['ES', 'PT'], deny: [] },
        limits: { requestsPerMinute: 600, startsPerMinute: 60, smsPerDay: 200 },
      }),
    ]);
    const hash = (await broker.deps.store.applications.get('banking'))!.keys[0].hash;
    const listed = await apps(dataDir, 'list');
    const shown = await apps(dataDir, 'show', 'banking');
    expect(listed.stdout).toMatch(/^banking\s+Mobile Banking\s+1 live key\s+https:\/\/bank\.example\.com\/hooks$/m);
    expect(JSON.parse(shown.stdout)).toEqual(seen.body.applications[0]);
    for (const text of [listed.stdout, shown.stdout, seen.text, created.stdout]) expect(text).not.toContain(hash);
    for (const text of [listed.stdout, shown.stdout, seen.text]) expect(text).not.toContain(apiKey);
  });

  it('update changes the settings given and keeps the others; --no-webhook-url removes the URL', async () => {
    const updated = await apps(dataDir, 'update', 'banking', '--sms-brand', 'BankCo', '--starts-per-minute', '5', '--countries-deny', 'ru');
    expect(updated.code).toBe(0);
    const { body } = await api('/v1/applications/banking');
    expect(body).toMatchObject({
      name: 'Mobile Banking',
      webhookUrl: 'https://bank.example.com/hooks',
      sms: { brand: 'BankCo', languages: ['es', 'en'] },
      countries: { allow: ['ES', 'PT'], deny: ['RU'] },
      limits: { requestsPerMinute: 600, startsPerMinute: 5, smsPerDay: 200 },
    });
    expect((await apps(dataDir, 'update', 'banking', '--no-webhook-url')).code).toBe(0);
    expect((await api('/v1/applications/banking')).body).not.toHaveProperty('webhookUrl');
  });

  it('rotate-key adds a second live key; revoke-key lists the old one with revokedAt; revoking the last live key warns', async () => {
    const first = (await api('/v1/applications/banking')).body.keys[0].id as string;
    const rotated = await apps(dataDir, 'rotate-key', 'banking');
    expect(rotated.code).toBe(0);
    const apiKey = /apiKey: (\S+)/.exec(rotated.stdout)![1];
    expect(rotated.stdout).toMatch(/This is the only time the key is shown/);
    expect(rotated.stdout).toContain(`The older keys (${first}) stay live`);
    const second = API_KEY.exec(apiKey)![1];
    const keys = (await api('/v1/applications/banking')).body.keys;
    expect(keys.map((k: { id: string; revokedAt?: string }) => [k.id, k.revokedAt])).toEqual([[first, undefined], [second, undefined]]);

    const revoked = await apps(dataDir, 'revoke-key', 'banking', first);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).not.toMatch(/Warning/);
    const after = (await api('/v1/applications/banking')).body.keys;
    expect(after[0]).toEqual({ ...keys[0], revokedAt: expect.any(String) });
    expect(after[1]).toEqual(keys[1]);

    const last = await apps(dataDir, 'revoke-key', 'banking', second);
    expect(last.code).toBe(0);
    expect(last.stdout).toMatch(/Warning: banking has no live key left/);
    expect(await apps(dataDir, 'revoke-key', 'banking', 'AAAAAAAAAAAA')).toMatchObject({ code: 1, stderr: expect.stringMatching(/no key with that id/) });
    expect(await apps(dataDir, 'rotate-key', 'nobody')).toMatchObject({ code: 1, stderr: expect.stringMatching(/No such application/) });
    expect(await apps(dataDir, 'show', 'nobody')).toMatchObject({ code: 1 });
  });

  it('bad input is refused with a clear message and exit code 2, and nothing is written', async () => {
    const before = (await api('/v1/applications')).text;
    const refused: Array<[string[], RegExp]> = [
      [['create', '--name', 'x', '--webhook-url', 'ftp://files.example.com/'], /--webhook-url: /],
      [['create', '--name', 'x', '--return-url-prefix', 'https://ok.example.com/', '--return-url-prefix', 'javascript://x/%0aalert(1)'], /--return-url-prefix "javascript:\/\/x\/%0aalert\(1\)": must be an http\(s\) URL or an app deep link/],
      [['create', '--name', 'x', '--sms-per-day', 'lots'], /--sms-per-day must be a whole number/],
      [['create', '--name', 'x', '--sms-languages', 'xx'], /--sms-languages: /],
      [['create', '--name', 'x', '--countries-allow', 'Spain'], /--countries-allow: /],
      [['create', '--name', 'x', '--id', 'default'], /configured with APPLICATION_ID or BROKER_CONFIG/],
      [['create', '--name', 'x', '--id', 'banking'], /exists/],
      [['create', '--name', 'x', '--id', 'a/b'], /--id: /],
      [['create'], /--name: /],
      [['create', '--name', 'x', '--bogus', 'y'], /Unknown option '--bogus'/],
      [['create', '--name', 'x', '--no-webhook-url'], /--no-webhook-url is for update/],
      [['update', 'banking'], /nothing to change/],
      [['update', 'banking', '--id', 'other'], /keeps its id/],
      [['update', 'banking', '--webhook-url', 'https://a.example.com/', '--no-webhook-url'], /give one/],
      [['update', 'banking', '--name', ''], /--name: /],
      [['show'], /show takes <id>/],
      [['list', '--name', 'x'], /list takes no settings/],
      [['revoke-key', 'banking'], /revoke-key takes <id> <keyId>/],
      [[], /Usage: npm run apps/],
      [['destroy', 'banking'], /Usage: npm run apps/],
    ];
    for (const [args, message] of refused) {
      const res = await apps(dataDir, ...args);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(message);
      expect(res.stdout).toBe('');
    }
    expect((await apps(dataDir, 'update', 'nobody', '--name', 'x')).code).toBe(1);
    expect((await api('/v1/applications')).text).toBe(before);
  }, 60_000);
});
