import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { FACADE_ENV } from './support/facades.js';

/** `npm run channel -- …` as an administrator runs it (dist/ is built by the test setup), against DATA_DIR */
function channel(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/channel.js', ...args], { env: { PATH: process.env.PATH, DATA_DIR: dataDir, SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run channel (mPass channel keys)', () => {
  let dataDir: string;
  let broker: TestBroker;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'broker-channel-'));
    broker = await startTestBroker({ dataDir, env: FACADE_ENV });
  });
  afterAll(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('create prints the key once; the running broker accepts it from that address only; list never shows it; revoke ends it', async () => {
    const created = await channel(dataDir, 'create', '--ip', '127.0.0.55', '--name', 'billing');
    expect(created.code).toBe(0);
    const apikey = /apikey: (mpk_[\w-]{43})/.exec(created.stdout)?.[1];
    expect(apikey).toBeDefined();

    const msg = (from: string) => broker.device(from).get(`${broker.url}/mpass-web/rest/mv/msg?apikey=${apikey}&dest=%2B34600000072`);
    expect((await msg('127.0.0.55')).json()).toEqual({ description: 'Accept', status: '0' });
    expect((await msg('127.0.0.56')).json()).toEqual({ description: 'Access Denied', status: '2' });

    const listed = await channel(dataDir, 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/chn_[\w-]+\s+billing\s+127\.0\.0\.55/);
    expect(listed.stdout).not.toContain(apikey);

    const revoked = await channel(dataDir, 'revoke', 'billing');
    expect(revoked.code).toBe(0);
    expect((await msg('127.0.0.55')).json()).toEqual({ description: 'Access Denied', status: '2' });
    expect((await channel(dataDir, 'list')).stdout).not.toMatch(/billing/);
  });

  it('several addresses; bad input is refused with usage and exit code 2', async () => {
    const two = await channel(dataDir, 'create', '--ip', '127.0.0.57,127.0.0.58', '--ip', '::ffff:127.0.0.59', '--name', 'crm');
    expect(two.code).toBe(0);
    expect(two.stdout).toContain('127.0.0.57, 127.0.0.58, 127.0.0.59');
    expect((await channel(dataDir, 'create', '--name', 'crm2')).code).toBe(2);
    expect((await channel(dataDir, 'create', '--ip', '10.1.2.300', '--name', 'crm3')).stderr).toMatch(/not an IPv4 or IPv6 address/);
    expect((await channel(dataDir, 'create', '--ip', '10.1.2.3', '--name', 'crm')).stderr).toMatch(/exists/);
    expect((await channel(dataDir, 'create', '--ip', '10.1.2.3', '--name', 'bad/name')).code).toBe(2);
    expect((await channel(dataDir, 'create', '--ip', '10.1.2.3', '--bogus', 'x')).code).toBe(2);
    expect((await channel(dataDir, 'revoke')).code).toBe(2);
    expect((await channel(dataDir, 'revoke', 'nobody')).code).toBe(1);
    expect((await channel(dataDir)).code).toBe(2);
  });
});
