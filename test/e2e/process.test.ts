import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
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
    expect(broker.output()).toContain('admin API key');
    const phone = new Device('127.0.0.2');
    const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
    const res = await phone.get(location.href, { accept: 'application/json' });
    expect(res.json()).toMatchObject({ status: 'verified', method: 'silent_auth' });
    const { stdout } = await run('ls', [dataDir]);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['keys.json', 'secrets.json', 'broker.sqlite']));
  });

  it('an invalid variable stops the start with a message naming it', async () => {
    await expect(spawnBroker({ PORT: 'seventy', DATA_DIR: tempDataDir() }, { timeoutMs: 5000 })).rejects.toThrow(/PORT/);
  });
});
