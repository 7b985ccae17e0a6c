import path from 'node:path';
import axios from 'axios';
import type { Logger } from 'pino';
import type { Config, OperatorConfig } from './config/index.js';
import type { BrokerDeps } from './deps.js';
import { KeyRing } from './keys/key-ring.js';
import { countMpassSends, countSmsSends, createMetrics, type Metrics } from './metrics/index.js';
import { loadOrCreateSecrets, withConfiguredKeys, type Secrets } from './keys/secrets.js';
import { OperatorClient } from './operator/operator-client.js';
import { ringAlgsOf } from './operator/signing-key.js';
import { checkOperatorsAtStart } from './operator/startup-check.js';
import { SmsLimits } from './flows/otp/sms-limits.js';
import { StartLimits } from './flows/start-limits.js';
import type { SmsServices } from './flows/otp/sms-services.js';
import { buildMpassUpstream, buildSmsProviders, SandboxInbox } from './otp/sms/index.js';
import { CamaraOtpEngine } from './otp/camara-otp.js';
import { createSqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/store.js';

/**
 * Builds the broker's dependencies from validated configuration: keys and secrets from DATA_DIR (generated
 * on first start), the store, and the operator client. Used by main.ts and by tests, so both run the same wiring.
 */
export async function buildDeps(
  config: Readonly<Config>,
  options: {
    logger: Logger;
    operators: readonly OperatorConfig[];
    store?: Store;
    now?: () => Date;
    /** where the console SMS provider prints (default: stdout) */
    print?: (line: string) => void;
  },
): Promise<{ deps: BrokerDeps; createdSecrets: (keyof Secrets)[] }> {
  const { secrets, created } = loadOrCreateSecrets(config.dataDir);
  await checkOperatorsAtStart(options.operators, options.logger);
  const keys = await KeyRing.open(config.dataDir, { clientAssertionAlg: config.verification.clientAssertionAlg, otherClientAssertionAlgs: ringAlgsOf(options.operators) });
  const store = options.store ?? (await openStore(config, options.logger));
  const metrics = createMetrics({ pendingDeliveries: () => store.outbox.countPending(), processMetrics: config.metrics.enabled });
  const http = axios.create({ maxRedirects: 0 });
  const operators = new OperatorClient({
    operators: options.operators,
    keys,
    redirectUri: `${config.publicUrl}/callback`,
    timeoutMs: config.verification.operatorTimeoutMs,
    metrics,
    ...(config.telcoFinder && {
      telcoFinder: { config: config.telcoFinder, keyValue: store.keyValue, warn: (detail: Record<string, unknown>, message: string) => options.logger.warn(detail, message) },
    }),
  });
  const deps: BrokerDeps = {
    config,
    store,
    operators,
    keys,
    secrets: withConfiguredKeys(secrets, { adminApiKey: config.adminApiKey, wso2ApiKey: config.compat.wso2.apiKey, cloudSoftphoneApiKey: config.compat.cloudSoftphone.apiKey }),
    logger: options.logger,
    metrics,
    http,
    sms: {
      ...buildSmsServices(config, secrets, store, metrics, options.print ?? ((line) => process.stdout.write(line + '\n'))),
      ...(config.otp.engine === 'camara-otp' && {
        camaraOtp: new CamaraOtpEngine({ operators, timeoutMs: config.verification.operatorTimeoutMs, logger: options.logger, metrics }),
      }),
    },
    startLimits: new StartLimits(store, config.startLimits),
    now: options.now ?? (() => new Date()),
  };
  return { deps, createdSecrets: created };
}

/**
 * The console provider shows codes, and the sandbox inbox keeps them, only while the sandbox is on:
 * with it off, a console "send" prints that a message went out, never its text.
 */
function buildSmsServices(config: Readonly<Config>, secrets: Secrets, store: Store, metrics: Metrics, print: (line: string) => void): SmsServices {
  const showCodes = config.sandbox.enabled && config.sandbox.showCodes;
  const mpass = config.otp.engine === 'mpass' ? buildMpassUpstream(config.sms) : undefined;
  const inbox = new SandboxInbox();
  const providers = countSmsSends(buildSmsProviders(config.sms, {
    inbox,
    print,
    showText: showCodes,
  }), metrics);
  return {
    providers,
    codeKey: Buffer.from(secrets.otpSecret, 'base64url'),
    ...(showCodes && { inbox }),
    ...(mpass && { mpass: countMpassSends(mpass, metrics) }),
    limits: new SmsLimits(store, config.smsLimits, metrics.rateLimitRefused),
  };
}

/** The store the broker opens: SQLite in DATA_DIR, or Redis (STORE=redis); CLIs open the same one. */
export async function openStore(config: Readonly<Config>, logger: Logger): Promise<Store> {
  if (config.store.kind === 'redis') {
    const { createRedisStore } = await import('./store/redis/index.js');
    return createRedisStore({ url: config.store.redisUrl!, keyPrefix: config.store.redisKeyPrefix, logger });
  }
  return createSqliteStore({ file: path.join(config.dataDir, 'broker.sqlite'), logger });
}
