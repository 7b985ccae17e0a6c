import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, spawnBroker, tempDataDir, type ChildBroker } from '../support/child-broker.js';
import { fencedBlocks, printedLineMatching, runBlocks } from './runnable-blocks.js';

/**
 * The README's "Try it from a terminal" blocks, run as written (bash, one after the other) against a broker
 * started as `npm start` starts it (the sandbox on), and checked against their own `# → …` lines.
 */
describe("the README's terminal examples", () => {
  let broker: ChildBroker;
  beforeAll(async () => {
    broker = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: tempDataDir() });
  });
  afterAll(() => broker?.kill('SIGKILL'));

  it('run as written and print what the README says: verified silently, the session token, verified by SMS twice', async () => {
    const blocks = fencedBlocks('README.md', 'sh', 'quickstart');
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // nothing left for the reader to fill in
    for (const { code } of blocks) expect(code).not.toMatch(/<[A-Za-z][\w-]*>/);
    const printed = await runBlocks(blocks, { BROKER: broker.url });
    for (const [i, block] of blocks.entries()) {
      expect(block.expected.length).toBeGreaterThan(0);
      for (const expected of block.expected) {
        if (!printedLineMatching(printed[i], expected)) throw new Error(`block ${i + 1} printed no line like\n  ${expected}\nit printed:\n${printed[i]}`);
      }
    }
    // the silent run's session token, then the SMS runs' ones
    expect(printed[1]).toMatch(/"sessionToken":"eyJ[\w-]+\.[\w-]+\.[\w-]+"/);
    expect(printed[2].match(/^verified by SMS; session token: eyJ/gm)).toHaveLength(2);
  });
});

/** The README's "From your backend" blocks: an application made with the admin API, then the three calls. */
describe("the README's backend quickstart", () => {
  const ADMIN_KEY = 'admin-key-for-the-readme-backend-test-0123456789';
  let broker: ChildBroker;
  beforeAll(async () => {
    broker = await spawnBroker({ SANDBOX: 'on', SANDBOX_PORT: String(await freePort()), DATA_DIR: tempDataDir(), ADMIN_API_KEY: ADMIN_KEY });
  });
  afterAll(() => broker?.kill('SIGKILL'));

  it('runs as written: the backend starts with its key, the phone gets the code over checkUrl, the backend completes', async () => {
    const blocks = fencedBlocks('README.md', 'sh', 'backend-quickstart');
    expect(blocks).toHaveLength(2);
    for (const { code } of blocks) expect(code).not.toMatch(/<[A-Za-z][\w-]*>/);
    const printed = await runBlocks(blocks, { BROKER: broker.url, ADMIN_KEY });
    for (const [i, block] of blocks.entries()) {
      expect(block.expected.length).toBeGreaterThan(0);
      for (const expected of block.expected) {
        if (!printedLineMatching(printed[i], expected)) throw new Error(`block ${i + 1} printed no line like\n  ${expected}\nit printed:\n${printed[i]}`);
      }
    }
    expect(printed[1]).toMatch(/"sessionToken":"eyJ[\w-]+\.[\w-]+\.[\w-]+"/);
  });
});
