import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { reloadKeys, startBackgroundJobs } from './background.js';
import { buildDeps } from './build-deps.js';
import { ConfigInvalid, loadConfig, type Config, type OperatorConfig } from './config/index.js';
import { ensurePrivateDir } from './keys/files.js';
import { createLogger } from './logging.js';
import { sandboxOperator, SANDBOX_CLIENT_ID } from './operator/sandbox-operator.js';
import { startSandboxOperator, type RunningSandbox } from './sandbox/index.js';

/** The only place that reads process.env: configuration, wiring, listening, shutting down. */
async function main(): Promise<void> {
  // a log reader that has gone (a closed pipe) must not crash the broker: what it would have read is dropped
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  let config: Readonly<Config>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigInvalid) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.log);
  ensurePrivateDir(config.dataDir);

  let sandbox: RunningSandbox | undefined;
  const operators: OperatorConfig[] = [...config.operators];
  if (config.sandbox.enabled) {
    sandbox = await startSandboxOperator({
      port: config.sandbox.port,
      clients: [{ clientId: SANDBOX_CLIENT_ID, jwksUri: `${config.publicUrl}/.well-known/jwks.json`, redirectUris: [`${config.publicUrl}/callback`] }],
      sims: config.sandbox.sims,
      faults: { delayMs: config.sandbox.faults.delayMs, failStatus: config.sandbox.faults.failStatus },
      lines: config.sandbox.lines,
      logger: { warn: (m) => logger.warn(m), info: (m) => logger.info(m), print: (text) => void process.stdout.write(`${text}\n`) },
    });
    // the sandbox serves only numbers no other operator's prefix matches (routeToOperator)
    operators.push(sandboxOperator(sandbox.issuer));
  }

  // an operator key that cannot sign stops the start here (buildDeps checks the operators; issue 16)
  const { deps, createdSecrets } = await buildDeps(config, { logger, operators }).catch((err: unknown) => {
    if (!(err instanceof ConfigInvalid)) throw err;
    console.error(err.message);
    process.exit(1);
  });
  const app = createApp(deps, { publicDir: fileURLToPath(new URL('../public', import.meta.url)) });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const background = startBackgroundJobs(deps);
  // `npm run keys -- rotate …` writes keys.json; SIGHUP makes a running broker use it at once
  process.on('SIGHUP', () => void reloadKeys(deps));
  // discovery loads now rather than on the first verification; /readyz waits for it
  void deps.operators.warmUp().then(() => {
    const failed = Object.entries(deps.operators.discoveryStatus()).filter(([, state]) => state === 'failed').map(([id]) => id);
    if (failed.length) logger.warn({ operators: failed }, 'operator discovery failed at start; their verifications use SMS until it loads');
  });

  printWelcome(config, sandbox, createdSecrets);
  warnOfApplicationsWithoutWebhook(config, logger);
  installShutdown(server, logger, {
    timeoutMs: config.shutdownTimeoutMs,
    // a webhook attempt already on the wire gets its own deadline to be answered and recorded
    hardLimitMs: config.shutdownTimeoutMs + config.webhooks.timeoutMs + 5000,
    stopBackground: () => background.stop(),
    // after the requests: a callback in flight may still need the sandbox operator and the store
    closeRest: async () => {
      await sandbox?.close();
      await deps.store.close();
    },
  });
}

/** Names what start-up generated and where it lives, never a value: stdout ends up in log collectors. */
function printWelcome(config: Readonly<Config>, sandbox: RunningSandbox | undefined, createdSecrets: readonly string[]): void {
  const lines = [
    '',
    `  Broker:          ${config.publicUrl}`,
    `  Sample frontend: ${config.publicUrl}/`,
    `  Operator JWKS:   ${config.publicUrl}/.well-known/jwks.json`,
  ];
  if (sandbox) {
    lines.push(
      `  Sandbox operator (development only): ${sandbox.issuer}`,
      `  Pick a sandbox SIM for this browser: ${sandbox.issuer}/sim`,
      `  SMS codes: printed below in a box, and at ${config.publicUrl}/sandbox/inbox?phoneNumber=%2B<number>`,
      `  Try the SMS flow from a terminal: BROKER=${config.publicUrl} scripts/sms-flow.sh +34600000020`,
    );
  }
  if (createdSecrets.length) {
    lines.push('', `  Generated ${createdSecrets.join(', ')} into ${path.join(config.dataDir, 'secrets.json')} (readable by this user only).`);
  }
  console.log(lines.join('\n') + '\n');
}

/**
 * Once at start rather than once per finished verification: without a URL every event is recorded as a
 * failed delivery (replayable once a URL is set), which is expected in development and was a WARN per
 * verification.
 */
function warnOfApplicationsWithoutWebhook(config: Readonly<Config>, logger: ReturnType<typeof createLogger>): void {
  const applications = config.webhooks.applications.filter((app) => !app.url).map((app) => app.id);
  if (!applications.length) return;
  logger.warn({ applications }, 'no webhook URL configured (WEBHOOK_URL): verification events are recorded as failed deliveries, not sent; set one and replay them (docs/webhooks.md)');
}

/**
 * Graceful shutdown on SIGTERM or SIGINT.
 *
 * Rules:
 * - the server stops accepting connections at once; idle keep-alive connections are closed, and each busy
 *   one as soon as its request is answered, so clients reconnect to another instance;
 * - requests in flight get SHUTDOWN_TIMEOUT_MS to finish; then their connections are cut;
 * - meanwhile the background jobs stop: a webhook round under way finishes and records its results, so no
 *   delivery is lost or sent twice;
 * - then the rest closes (sandbox operator, store);
 * - exit 0 when all of it finished in time, 1 when requests had to be cut, closing failed, or the whole
 *   shutdown outlived `hardLimitMs`; a second signal changes nothing.
 */
function installShutdown(
  server: Server,
  logger: ReturnType<typeof createLogger>,
  options: { timeoutMs: number; hardLimitMs: number; stopBackground: () => Promise<void>; closeRest: () => Promise<void> },
): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: finishing requests in flight');
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, options.hardLimitMs).unref();

    let cut = false;
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // a keep-alive connection whose request has just been answered is idle: close it too
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      cut = true;
      logger.warn('requests still in flight after SHUTDOWN_TIMEOUT_MS; cutting their connections');
      server.closeAllConnections();
    }, options.timeoutMs);
    const [, background] = await Promise.allSettled([drained, options.stopBackground()]);
    clearInterval(sweep);
    clearTimeout(deadline);
    try {
      if (background.status === 'rejected') throw background.reason;
      await options.closeRest();
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    }
    logger.info({ signal }, cut ? 'shut down after cutting requests in flight' : 'shut down');
    process.exit(cut ? 1 : 0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
