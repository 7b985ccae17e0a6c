import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../support/child-broker.js';
import { Device } from '../support/device.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(20);
}
const NO_WEBHOOK = /no webhook URL configured/g;

/** the lines a log collector would parse: JSON objects */
const jsonLines = (output: string) => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>);

describe('log format and noise, as the broker prints them (process)', () => {
  const started: ChildBroker[] = [];
  afterAll(async () => {
    for (const b of started) await b.kill('SIGKILL');
  });

  it('with the sandbox (development), logs are readable lines, the SMS text is boxed, and a missing webhook URL is said once at start', async () => {
    const broker = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: tempDataDir(), WEBHOOK_POLL_MS: '20' });
    started.push(broker);
    // two finished verifications, each one a webhook event with nowhere to go
    const phone = new Device('127.0.0.2');
    const { location } = await phone.followUntil(`${broker.url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
    expect((await phone.get(location.href, { accept: 'application/json' })).json().status).toBe('verified');
    const laptop = new Device('127.0.0.70');
    const { verificationId } = (await laptop.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000070', network: 'wifi' })).json();
    const { messages } = (await laptop.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000070`)).json();
    const code = /#(\d+)\s*$/.exec(messages[0].body)![1];
    expect((await laptop.post(`${broker.url}/v1/verifications/${verificationId}/code`, { code })).json().status).toBe('verified');
    await sleep(500); // the delivery worker records both events

    const output = broker.output();
    expect(jsonLines(output)).toEqual([]);
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: POST \/v1\/verifications 201 \d+ ms/m);
    expect(output.match(NO_WEBHOOK)).toHaveLength(1);
    expect(output).toMatch(/WARN: no webhook URL configured/);
    // the code, where a developer looks for it: inside the box under the [sms console] heading
    expect(output).toMatch(new RegExp(`\\[sms console\\] to \\+3460\\*{5}70 .*\\n  ┌─+\\n(  │ .*\\n)*  │ .*#${code}\\n  └─+`));
  });

  it('with the sandbox off (production), and with LOG_PRETTY=false, every log line is JSON', async () => {
    const production = await spawnBroker({ DATA_DIR: tempDataDir() });
    started.push(production);
    const development = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: tempDataDir(), LOG_PRETTY: 'false' });
    started.push(development);
    for (const broker of [production, development]) {
      await new Device('127.0.0.71').get(`${broker.url}/login?phoneNumber=%2B34600000071&network=wifi`);
      await until(() => broker.output().includes('"path":"/login"'));
      const logLines = broker.output().split('\n').filter((line) => /^[{[]/.test(line) && !line.startsWith('[sms console]'));
      expect(logLines.length).toBeGreaterThan(0);
      for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
      expect(jsonLines(broker.output())).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'request completed', req: expect.objectContaining({ path: '/login' }) })]));
    }
  });
});
