import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app.js';
import { startBackgroundJobs, type BackgroundOptions } from '../../src/background.js';
import { buildDeps } from '../../src/build-deps.js';
import { loadConfig, type Env, type OperatorConfig } from '../../src/config/index.js';
import type { BrokerDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logging.js';
import { sandboxOperator, SANDBOX_CLIENT_ID } from '../../src/operator/sandbox-operator.js';
import { startSandboxOperator, type RunningSandbox, type SandboxFaults, type SandboxLineOptions } from '../../src/sandbox/index.js';
import { Device } from './device.js';

export const SIMS = { '127.0.0.2': '+34600000002', '127.0.0.3': '+34600000003' };

export interface TestBroker {
  url: string;
  deps: BrokerDeps;
  sandbox?: RunningSandbox;
  dataDir: string;
  /** captured log lines (JSON), for tests that check what is never logged */
  logs: string[];
  device(localAddress?: string): Device;
  close(): Promise<void>;
}

export interface TestBrokerOptions {
  env?: Env;
  /** false: no sandbox operator */
  sandbox?: false | { faults?: SandboxFaults; sims?: Record<string, string>; lines?: SandboxLineOptions };
  /** the operators, given the sandbox issuer (default: the sandbox operator for every number) */
  operators?: (sandboxIssuer: string | undefined) => OperatorConfig[];
  /** runs once the broker's URL is known and before `operators` is read (to start an operator that registers it) */
  beforeOperators?: (brokerUrl: string) => Promise<void>;
  dataDir?: string;
  /** false: no delivery worker, expiry sweeper or key reload (default: started, as in main.ts) */
  background?: false | BackgroundOptions;
  /** the broker's clock (tests move it to expire codes) */
  now?: () => Date;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * A real broker on a loopback port with (by default) the real sandbox operator on another: the same wiring
 * as main.ts, with a temporary DATA_DIR. The broker listens first so the sandbox can be told its URLs.
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'broker-test-'));
  const server = createServer();
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;

  let sandbox: RunningSandbox | undefined;
  if (options.sandbox !== false) {
    sandbox = await startSandboxOperator({
      port: 0,
      clients: [{ clientId: SANDBOX_CLIENT_ID, jwksUri: `${url}/.well-known/jwks.json`, redirectUris: [`${url}/callback`] }],
      sims: options.sandbox?.sims ?? SIMS,
      faults: options.sandbox?.faults,
      lines: options.sandbox?.lines,
      logger: { warn: () => {}, info: () => {} },
    });
  }
  await options.beforeOperators?.(url);
  const operators = options.operators ? options.operators(sandbox?.issuer) : sandbox ? [sandboxOperator(sandbox.issuer)] : [];

  const config = loadConfig({ DATA_DIR: dataDir, PUBLIC_URL: url, LOG_LEVEL: 'info', SANDBOX: 'on', ...options.env });
  const logs: string[] = [];
  // the broker's own logger (redaction, request context), writing into `logs`
  const logger = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => void logs.push(line) } });
  const { deps } = await buildDeps(config, { logger, operators, now: options.now, print: (line) => void logs.push(line) });
  server.on('request', createApp(deps, { publicDir: path.resolve('public') }));
  const background = options.background === false ? undefined : startBackgroundJobs(deps, options.background);

  return {
    url,
    deps,
    sandbox,
    dataDir,
    logs,
    device: (localAddress) => new Device(localAddress),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await sandbox?.close();
      await background?.stop();
      await deps.store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the device side of a silent verification: /login with redirect, through the operator, to /callback. */
export async function verifySilently(broker: TestBroker, device: Device, phoneNumber: string, extra = '') {
  const start = `${broker.url}/login?phoneNumber=${encodeURIComponent(phoneNumber)}&network=cellular&redirect=true${extra}`;
  const { location } = await device.followUntil(start, (next) => next.pathname === '/callback' && next.origin === broker.url);
  const callback = await device.get(location.href);
  return { callbackUrl: location, callback };
}
