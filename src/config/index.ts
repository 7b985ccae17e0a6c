import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigInvalid, problemsOf, withoutEmpty, type Env, type EnvDoc } from './env.js';
import { serverEnvDoc, serverEnvSchema } from './server.js';
import { sandboxEnvDoc, sandboxEnvSchema } from './sandbox.js';
import { verificationEnvDoc, verificationEnvSchema } from './verification.js';
import { brokerFileSchema, withClientSecrets, type OperatorConfig, type TelcoFinderConfig } from './operators.js';
import { sessionTokensEnvDoc, sessionTokensEnvSchema } from './session-tokens.js';
import { webhooksConfigOf, webhooksEnvDoc, webhooksEnvSchema, type ApplicationFileEntry, type WebhooksConfig } from './webhooks.js';
import { otpEnvDoc, otpEnvSchema } from './otp.js';
import { smsEnvDoc, smsEnvSchema, type SmsConfig } from '../otp/sms/config.js';
import { compatConfigOf, compatEnvDoc, compatEnvSchema, explicitFacades, type CompatConfig } from './compat.js';
import { parseReturnUrlPrefix, type ReturnUrlPrefix } from './return-url-prefixes.js';
import { limitsEnvDoc, limitsEnvSchema, startLimitsConfigOf, type StartLimitsConfig } from './limits.js';

export { ConfigInvalid, type Env, type EnvDoc } from './env.js';
export type { OperatorConfig, TelcoFinderConfig } from './operators.js';
export type { ReturnUrlPrefix } from './return-url-prefixes.js';
export type { WebhookApplication, WebhooksConfig } from './webhooks.js';

const envSchema = serverEnvSchema.extend(sandboxEnvSchema.shape).extend(verificationEnvSchema.shape).extend(otpEnvSchema.shape).extend(sessionTokensEnvSchema.shape).extend(webhooksEnvSchema.shape).extend(compatEnvSchema.shape).extend(limitsEnvSchema.shape);

/** Every variable the broker reads, in the order `.env.example` and the README list them. */
export const envDoc: EnvDoc[] = [...serverEnvDoc, ...verificationEnvDoc, ...limitsEnvDoc, ...otpEnvDoc, ...smsEnvDoc, ...sessionTokensEnvDoc, ...webhooksEnvDoc, ...compatEnvDoc, ...sandboxEnvDoc];

export interface Config {
  port: number;
  host?: string;
  /** where apps and operators reach the broker; `iss` of its tokens, base of redirect_uri */
  publicUrl: string;
  /** never `true` (every hop): false, a hop count, or addresses/subnets */
  trustProxy: false | number | string;
  /** RETURN_URL_PREFIXES, parsed at start (src/config/return-url-prefixes.ts) */
  returnUrlPrefixes: ReturnUrlPrefix[];
  dataDir: string;
  bodyLimit: string;
  cookieSecure: boolean;
  adminApiKey?: string;
  log: { level: string; pretty: boolean };
  /** GET /metrics: served only when enabled; behind `Authorization: Bearer <token>` when a token is set */
  metrics: { enabled: boolean; token?: string };
  /** how long a graceful shutdown waits for requests in flight */
  shutdownTimeoutMs: number;
  verification: { ttlSeconds: number; operatorTimeoutMs: number; clientAssertionAlg: 'ES256' | 'RS256'; applicationId: string };
  store: { kind: 'sqlite' | 'redis'; redisUrl?: string; redisKeyPrefix: string };
  sandbox: {
    enabled: boolean;
    port: number;
    sims: Record<string, string>;
    faults: { delayMs: number; failStatus?: number };
    showCodes: boolean;
    /** the sandbox's SIM Swap and Number Recycling answers (SANDBOX_SIM_SWAPS, SANDBOX_RECYCLED) */
    lines: { simSwaps: Record<string, number>; recycledNumbers: Record<string, string> };
  };
  /** operators from BROKER_CONFIG; when empty and the sandbox is on, main adds the sandbox operator */
  operators: OperatorConfig[];
  /** BROKER_CONFIG's telcoFinder: which operator serves a number despite portability (src/operator/telco-finder.ts) */
  telcoFinder?: TelcoFinderConfig;
  sessionTokens: { ttlSeconds: number };
  /** where each application's webhook events go (the default application from WEBHOOK_URL) */
  webhooks: WebhooksConfig;
  otp: {
    engine: 'local' | 'mpass' | 'camara-otp';
    length: number;
    ttlSeconds: number;
    maxAttempts: number;
    maxSends: number;
    resendCooldownSeconds: number;
  };
  /** verification starts per client network and per number (flows/start-limits.ts) */
  startLimits: StartLimitsConfig;
  smsLimits: {
    perNumber: { points: number; duration: number };
    perIp: { points: number; duration: number };
    perPrefix: { points: number; duration: number };
    prefixDigits: number;
    dailyBudget: number;
    countriesAllow: string[];
    countriesDeny: string[];
  };
  sms: SmsConfig;
  /** the compatibility facades (src/compat) */
  compat: CompatConfig;
}

function parseTrustProxy(value: string): false | number | string {
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function readOperatorsFile(file: string, readFile: (p: string) => string): { operators: OperatorConfig[]; applications: ApplicationFileEntry[]; telcoFinder?: TelcoFinderConfig } {
  let json: unknown;
  try {
    json = JSON.parse(readFile(file));
  } catch (err) {
    throw new ConfigInvalid([`BROKER_CONFIG: cannot read ${file} as JSON (${(err as Error).message})`]);
  }
  const parsed = brokerFileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigInvalid(problemsOf(parsed.error).map((p) => `BROKER_CONFIG ${p}`));
  return parsed.data;
}

/**
 * Reads and validates the configuration once, at start. Throws ConfigInvalid naming each bad variable.
 * The result is frozen and passed explicitly; nothing else reads process.env.
 */
export function loadConfig(rawEnv: Env, options: { readFile?: (p: string) => string } = {}): Readonly<Config> {
  const parsed = envSchema.safeParse(explicitFacades(rawEnv, withoutEmpty(rawEnv)));
  // the SMS section has cross-variable rules (a listed provider needs its variables), so it parses on its own
  const sms = smsEnvSchema.safeParse(withoutEmpty(rawEnv));
  const problems = [...(parsed.success ? [] : problemsOf(parsed.error)), ...(sms.success ? [] : problemsOf(sms.error))];
  if (!parsed.success || !sms.success) throw new ConfigInvalid(problems);
  const env = parsed.data;
  if (env.OTP_ENGINE === 'mpass' && !sms.data.mpass) throw new ConfigInvalid(['MPASS_BASE_URL: required when OTP_ENGINE=mpass']);
  if (env.STORE === 'redis' && !env.REDIS_URL) throw new ConfigInvalid(['REDIS_URL: required when STORE=redis']);

  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const { operators: listed, applications, telcoFinder } = env.BROKER_CONFIG
    ? readOperatorsFile(env.BROKER_CONFIG, readFile)
    : { operators: [], applications: [], telcoFinder: undefined };
  const { operators, problems: secretProblems } = withClientSecrets(listed, rawEnv, readFile);
  if (secretProblems.length) throw new ConfigInvalid(secretProblems);
  const sandboxEnabled = decideSandbox(env.SANDBOX, { nodeEnv: env.NODE_ENV, publicUrl, operators: operators.length });
  // plain-http operators are for a lab: in a production-looking broker the client assertion and tokens would travel in clear
  const insecure = operators.filter((op) => op.allowInsecureHttp).map((op) => op.id);
  if (insecure.length && (env.NODE_ENV === 'production' || publicUrl.startsWith('https:'))) {
    throw new ConfigInvalid(insecure.map((id) => `BROKER_CONFIG operator ${id}: allowInsecureHttp is refused when NODE_ENV=production or PUBLIC_URL is https`));
  }
  // the console provider prints codes: only the sandbox's inbox may show them (mPass sends codes itself)
  if (!sandboxEnabled && env.OTP_ENGINE !== 'mpass' && sms.data.providers.includes('console')) {
    throw new ConfigInvalid(['SMS_PROVIDERS: the console provider (the default) only runs with the sandbox; with the sandbox off, name a real provider (twilio, vonage or http)']);
  }
  if (!sandboxEnabled && operators.length === 0) {
    console.warn('No operators configured (BROKER_CONFIG) and the sandbox is off: every verification will use SMS.');
  }
  // the sandbox operator (added when BROKER_CONFIG lists none) has the One Time Password SMS API
  if (env.OTP_ENGINE === 'camara-otp' && !operators.some((op) => op.otpSms) && !(sandboxEnabled && operators.length === 0)) {
    console.warn('OTP_ENGINE=camara-otp but no operator in BROKER_CONFIG has otpSms: true: every code will be the local engine\'s.');
  }

  const config: Config = {
    port: env.PORT,
    host: env.HOST,
    publicUrl,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    returnUrlPrefixes: parseReturnUrlPrefixes(env.RETURN_URL_PREFIXES.length ? env.RETURN_URL_PREFIXES : [`${publicUrl}/`]),
    dataDir: path.resolve(env.DATA_DIR),
    bodyLimit: env.BODY_LIMIT,
    cookieSecure: env.SESSION_COOKIE_SECURE === 'auto' ? publicUrl.startsWith('https:') : env.SESSION_COOKIE_SECURE === 'true',
    adminApiKey: env.ADMIN_API_KEY,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY ?? sandboxEnabled },
    metrics: { enabled: env.METRICS, token: env.METRICS_TOKEN },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    verification: {
      ttlSeconds: env.VERIFICATION_TTL_SECONDS,
      operatorTimeoutMs: env.OPERATOR_TIMEOUT_MS,
      clientAssertionAlg: env.CLIENT_ASSERTION_ALG,
      applicationId: env.APPLICATION_ID,
    },
    store: { kind: env.STORE, redisUrl: env.REDIS_URL, redisKeyPrefix: env.REDIS_KEY_PREFIX },
    sandbox: {
      enabled: sandboxEnabled,
      port: env.SANDBOX_PORT,
      sims: env.SANDBOX_SIMS,
      faults: { delayMs: env.SANDBOX_FAULT_DELAY_MS, failStatus: env.SANDBOX_FAULT_STATUS },
      showCodes: env.SANDBOX_SHOW_CODES,
      lines: { simSwaps: env.SANDBOX_SIM_SWAPS, recycledNumbers: env.SANDBOX_RECYCLED },
    },
    operators,
    ...(telcoFinder && { telcoFinder }),
    sessionTokens: { ttlSeconds: env.SESSION_TOKEN_TTL_SECONDS },
    webhooks: webhooksConfigOf(env, env.APPLICATION_ID, applications),
    otp: {
      engine: env.OTP_ENGINE,
      length: env.OTP_LENGTH,
      ttlSeconds: env.OTP_TTL_SECONDS,
      maxAttempts: env.OTP_MAX_ATTEMPTS,
      maxSends: env.OTP_MAX_SENDS,
      resendCooldownSeconds: env.OTP_RESEND_COOLDOWN_SECONDS,
    },
    startLimits: startLimitsConfigOf(env),
    smsLimits: {
      perNumber: env.SMS_LIMIT_PER_NUMBER,
      perIp: env.SMS_LIMIT_PER_IP,
      perPrefix: env.SMS_LIMIT_PER_PREFIX,
      prefixDigits: env.SMS_PREFIX_DIGITS,
      dailyBudget: env.SMS_DAILY_BUDGET,
      countriesAllow: env.SMS_COUNTRIES_ALLOW,
      countriesDeny: env.SMS_COUNTRIES_DENY,
    },
    sms: sms.data,
    compat: compatConfigOf(env),
  };
  return deepFreeze(config);
}

/**
 * The sandbox claims numbers and shows every code in /sandbox/inbox: a stranger could verify any number.
 * So it runs only where the broker looks like development: unset SANDBOX means off when NODE_ENV=production,
 * PUBLIC_URL is https or real operators are configured, and an explicit SANDBOX=on there stops the start.
 */
function decideSandbox(value: 'on' | 'off' | undefined, context: { nodeEnv?: string; publicUrl: string; operators: number }): boolean {
  const reasons = [
    ...(context.nodeEnv === 'production' ? ['NODE_ENV=production'] : []),
    ...(context.publicUrl.startsWith('https:') ? ['PUBLIC_URL is https'] : []),
    ...(context.operators > 0 ? ['BROKER_CONFIG configures operators'] : []),
  ];
  if (value === undefined) return reasons.length === 0;
  if (value === 'on' && reasons.length > 0) {
    throw new ConfigInvalid([`SANDBOX: on is refused because ${reasons.join(', ')}: the sandbox operator shows every code to anyone; remove SANDBOX or set it to off`]);
  }
  return value === 'on';
}

function parseReturnUrlPrefixes(values: string[]): ReturnUrlPrefix[] {
  const parsed = values.map(parseReturnUrlPrefix);
  const problems = parsed.filter((p): p is string => typeof p === 'string');
  if (problems.length) throw new ConfigInvalid(problems.map((p) => `RETURN_URL_PREFIXES: ${p}`));
  return parsed as ReturnUrlPrefix[];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
