import path from 'node:path';
import axios from 'axios';
import type { Logger } from 'pino';
import type { Config, OperatorConfig } from './config/index.js';
import type { BrokerDeps } from './deps.js';
import { KeyRing } from './keys/key-ring.js';
import { loadOrCreateSecrets, type Secrets } from './keys/secrets.js';
import { OperatorClient } from './operator/operator-client.js';
import { createSqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/store.js';

/**
 * Builds the broker's dependencies from validated configuration: keys and secrets from DATA_DIR (generated
 * on first start), the store, and the operator client. Used by main.ts and by tests, so both run the same wiring.
 */
export async function buildDeps(
  config: Readonly<Config>,
  options: { logger: Logger; operators: readonly OperatorConfig[]; store?: Store; now?: () => Date },
): Promise<{ deps: BrokerDeps; createdSecrets: (keyof Secrets)[] }> {
  const { secrets, created } = loadOrCreateSecrets(config.dataDir);
  const keys = await KeyRing.open(config.dataDir, { clientAssertionAlg: config.verification.clientAssertionAlg });
  const store = options.store ?? (await openStore(config));
  const http = axios.create({ maxRedirects: 0 });
  const operators = new OperatorClient({
    operators: options.operators,
    keys,
    redirectUri: `${config.publicUrl}/callback`,
    timeoutMs: config.verification.operatorTimeoutMs,
    http,
  });
  const deps: BrokerDeps = {
    config,
    store,
    operators,
    keys,
    secrets: config.adminApiKey ? { ...secrets, adminApiKey: config.adminApiKey } : secrets,
    logger: options.logger,
    http,
    now: options.now ?? (() => new Date()),
  };
  return { deps, createdSecrets: created };
}

async function openStore(config: Readonly<Config>): Promise<Store> {
  if (config.store.kind === 'redis') {
    const { createRedisStore } = await import('./store/redis/index.js');
    return createRedisStore({ url: config.store.redisUrl! });
  }
  return createSqliteStore({ file: path.join(config.dataDir, 'broker.sqlite') });
}
