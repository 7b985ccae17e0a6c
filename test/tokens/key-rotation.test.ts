import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as jose from 'jose';
import { startTestBroker, verifySilently, type TestBroker } from '../support/broker.js';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../support/child-broker.js';
import { Device } from '../support/device.js';

const run = promisify(execFile);

/** `npm run keys -- <args>` against a DATA_DIR (dist/ is built by the jest global setup). */
async function keysCli(dataDir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['dist/cli/keys.js', ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir } });
  return stdout;
}

async function sessionTokenFrom(url: string): Promise<string> {
  const phone = new Device('127.0.0.2');
  const { location } = await phone.followUntil(`${url}/login?phoneNumber=%2B34600000002&redirect=true`, (n) => n.pathname === '/callback');
  const done = await phone.get(location.href, { accept: 'application/json' });
  expect(done.json()).toMatchObject({ status: 'verified' });
  const read = (await phone.get(`${url}/v1/verifications/${done.json().id}`)).json();
  expect(read.sessionToken).toEqual(expect.any(String));
  return read.sessionToken;
}

async function publishedKids(url: string): Promise<string[]> {
  const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  return jwks.keys.map((k) => k.kid);
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('rotating signing keys with `npm run keys -- rotate …`', () => {
  const started: ChildBroker[] = [];
  let inProcess: TestBroker | undefined;
  afterAll(async () => {
    for (const b of started) await b.kill('SIGKILL');
    await inProcess?.close();
  });

  it('a running broker takes the new key on SIGHUP; older tokens still verify and new ones carry the new kid', async () => {
    const dataDir = tempDataDir();
    const broker = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: dataDir });
    started.push(broker);
    const before = await sessionTokenFrom(broker.url);
    const oldKid = jose.decodeProtectedHeader(before).kid!;

    const out = await keysCli(dataDir, 'rotate', 'session-token');
    const newKid = /→ (st-[0-9a-f]+)/.exec(out)?.[1];
    expect(newKid).toBeDefined();
    expect(out).toContain(oldKid);
    expect(await publishedKids(broker.url)).not.toContain(newKid);

    broker.process.kill('SIGHUP');
    await until(async () => ((await publishedKids(broker.url)).includes(newKid!) ? true : undefined));

    const after = await sessionTokenFrom(broker.url);
    expect(jose.decodeProtectedHeader(after).kid).toBe(newKid);
    // a backend that knows nothing but the JWKS URL verifies both
    const jwks = jose.createRemoteJWKSet(new URL(`${broker.url}/.well-known/jwks.json`));
    for (const token of [before, after]) {
      const { payload } = await jose.jwtVerify(token, jwks, { issuer: broker.url, audience: 'default' });
      expect(payload.sub).toBe('+34600000002');
    }
    expect(await publishedKids(broker.url)).toEqual(expect.arrayContaining([oldKid, newKid]));
    // the listing shows which key is active, and never key material
    const listing = await keysCli(dataDir, 'list');
    expect(listing).toMatch(new RegExp(`${oldKid} .* retired`));
    expect(listing).toMatch(new RegExp(`${newKid} .* active`));
    expect(listing).not.toMatch(/"d"|privateJwk/);
  }, 60000);

  it('a rotated client-assertion key is used at once after SIGHUP and the operator still accepts it', async () => {
    const dataDir = tempDataDir();
    const broker = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: dataDir });
    started.push(broker);
    await sessionTokenFrom(broker.url);
    const out = await keysCli(dataDir, 'rotate', 'client-assertion');
    const newKid = /→ (ca-[0-9a-f]+)/.exec(out)![1];
    broker.process.kill('SIGHUP');
    await until(async () => ((await publishedKids(broker.url)).includes(newKid) ? true : undefined));
    await sessionTokenFrom(broker.url);
    expect(broker.output()).toContain('signing keys reloaded');
  }, 60000);

  it('without a signal, a running broker picks the rotation up on its periodic re-read', async () => {
    inProcess = await startTestBroker({ background: { keyReloadIntervalMs: 100 } });
    const oldKid = inProcess.deps.keys.active('session-token').kid;
    await keysCli(inProcess.dataDir, 'rotate', 'session-token');
    const newKid = await until(async () => {
      const kid = inProcess!.deps.keys.active('session-token').kid;
      return kid !== oldKid ? kid : undefined;
    });
    const { callback } = await verifySilently(inProcess, inProcess.device('127.0.0.2'), '+34600000002');
    expect(new URL(callback.headers.location!).searchParams.get('status')).toBe('verified');
    expect(newKid).toMatch(/^st-/);
    expect(inProcess.deps.keys.publicJwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
  });

  it('refuses an unknown command or purpose without touching keys.json', async () => {
    const dataDir = tempDataDir();
    await keysCli(dataDir, 'list');
    const before = await keysCli(dataDir, 'list');
    await expect(keysCli(dataDir, 'rotate', 'everything')).rejects.toMatchObject({ code: 2 });
    await expect(keysCli(dataDir, 'shred')).rejects.toMatchObject({ code: 2 });
    expect(await keysCli(dataDir, 'list')).toBe(before);
  });
});
