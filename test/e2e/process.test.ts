import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../support/child-broker.js';
import { Device } from '../support/device.js';

const run = promisify(execFile);

describe('the broker as a process (npm start without configuration)', () => {
  const started: ChildBroker[] = [];
  afterAll(async () => {
    for (const b of started) await b.kill('SIGKILL');
  });

  it('starts with the sandbox, prints the URLs, generates keys into DATA_DIR and verifies a SIM silently', async () => {
    const dataDir = tempDataDir();
    const broker = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: dataDir });
    started.push(broker);
    expect(broker.output()).toContain('Sandbox operator (development only)');
    // where the generated secrets are and which ones, never their values: stdout ends up in log collectors
    expect(broker.output()).toContain(`${path.join(dataDir, 'secrets.json')}`);
    expect(broker.output()).toMatch(/Generated .*adminApiKey.*webhookSecret/);
    const secrets = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    for (const value of Object.values(secrets)) expect(broker.output()).not.toContain(value);
    expect(statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const phone = new Device('127.0.0.2');
    const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
    const res = await phone.get(location.href, { accept: 'application/json' });
    expect(res.json()).toMatchObject({ status: 'verified', method: 'silent_auth' });
    const { stdout } = await run('ls', [dataDir]);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['keys.json', 'secrets.json', 'broker.sqlite']));
  });

  it('keeps DATA_DIR 0700 and the SQLite files 0600, even when the folder already exists with a looser mode', async () => {
    const dataDir = path.join(tempDataDir(), 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const broker = await spawnBroker({ DATA_DIR: dataDir });
    started.push(broker);
    // a write, so SQLite has its -wal and -shm files
    await new Device('127.0.0.1').post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000090', network: 'wifi' });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const file of ['broker.sqlite', 'broker.sqlite-wal', 'broker.sqlite-shm']) {
      const full = path.join(dataDir, file);
      if (file === 'broker.sqlite') expect(existsSync(full)).toBe(true);
      if (existsSync(full)) expect({ file, mode: (statSync(full).mode & 0o777).toString(8) }).toEqual({ file, mode: '600' });
    }
  });

  it('in production (NODE_ENV=production) the sandbox is off unless asked, and SANDBOX=on stops the start naming SANDBOX', async () => {
    await expect(spawnBroker({ NODE_ENV: 'production', SANDBOX: 'on', DATA_DIR: tempDataDir() }, { timeoutMs: 5000 })).rejects.toThrow(/SANDBOX: on is refused because NODE_ENV=production/);
    const broker = await spawnBroker({ NODE_ENV: 'production', SANDBOX: '', DATA_DIR: tempDataDir() });
    started.push(broker);
    expect(broker.output()).not.toContain('Sandbox operator');
    const inbox = await new Device('127.0.0.1').get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000002`);
    expect(inbox.status).toBe(404);
  });

  it('an invalid variable stops the start with a message naming it', async () => {
    await expect(spawnBroker({ PORT: 'seventy', DATA_DIR: tempDataDir() }, { timeoutMs: 5000 })).rejects.toThrow(/PORT/);
  });
});
