import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { reloadKeys, startBackgroundJobs } from './background.js';
import { buildDeps } from './build-deps.js';
import { ConfigInvalid, loadConfig, type Config, type OperatorConfig } from './config/index.js';
import { createLogger } from './logging.js';
import { sandboxOperator, SANDBOX_CLIENT_ID } from './operator/sandbox-operator.js';
import { startSandboxOperator, type RunningSandbox } from './sandbox/index.js';

/** The only place that reads process.env: configuration, wiring, listening, shutting down. */
async function main(): Promise<void> {
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

  let sandbox: RunningSandbox | undefined;
  const operators: OperatorConfig[] = [...config.operators];
  if (config.sandbox.enabled) {
    sandbox = await startSandboxOperator({
      port: config.sandbox.port,
      clients: [{ clientId: SANDBOX_CLIENT_ID, jwksUri: `${config.publicUrl}/.well-known/jwks.json`, redirectUris: [`${config.publicUrl}/callback`] }],
      sims: config.sandbox.sims,
      faults: { delayMs: config.sandbox.faults.delayMs, failStatus: config.sandbox.faults.failStatus },
      logger: { warn: (m) => logger.warn(m), info: (m) => logger.info(m) },
    });
    // the sandbox serves every number no real operator claims with a longer prefix
    operators.push(sandboxOperator(sandbox.issuer));
  }

  const { deps, createdSecrets } = await buildDeps(config, { logger, operators });
  const app = createApp(deps, { publicDir: fileURLToPath(new URL('../public', import.meta.url)) });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const background = startBackgroundJobs(deps);
  // `npm run keys -- rotate …` writes keys.json; SIGHUP makes a running broker use it at once
  process.on('SIGHUP', () => void reloadKeys(deps));

  printWelcome(config, sandbox, createdSecrets.length > 0 ? deps.secrets : undefined);
  installShutdown(server, async () => {
    await sandbox?.close();
    await background.stop();
    await deps.store.close();
  }, logger);
}

function printWelcome(config: Readonly<Config>, sandbox: RunningSandbox | undefined, newSecrets?: { adminApiKey: string; webhookSecret: string }): void {
  const lines = [
    '',
    `  Broker:          ${config.publicUrl}`,
    `  Sample frontend: ${config.publicUrl}/`,
    `  Operator JWKS:   ${config.publicUrl}/.well-known/jwks.json`,
  ];
  if (sandbox) {
    lines.push(`  Sandbox operator (development only): ${sandbox.issuer}`, `  Pick a sandbox SIM for this browser: ${sandbox.issuer}/sim`);
  }
  if (newSecrets) {
    lines.push('', `  Generated into ${config.dataDir} on first start (shown once):`, `    admin API key:  ${newSecrets.adminApiKey}`, `    webhook secret: ${newSecrets.webhookSecret}`);
  }
  console.log(lines.join('\n') + '\n');
}

function installShutdown(server: Server, closeRest: () => Promise<void>, logger: ReturnType<typeof createLogger>): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close(() => {
      closeRest()
        .then(() => process.exit(0))
        .catch((err) => {
          logger.error({ err }, 'error while shutting down');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
