// The system under test: the sandbox operator and the broker, each in its own process, on loopback.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startNode, tempDir } from './processes.js';

/** SIMs 127.0.0.2, 127.0.0.3, … with numbers +34600000002, +34600000003, … */
export function simsFor(count) {
  const sims = {};
  for (let i = 0; i < count; i++) sims[`127.0.0.${2 + i}`] = `+34600000${String(2 + i).padStart(3, '0')}`;
  return sims;
}

/**
 * Start and SMS fraud limits raised (through their documented settings) so that a benchmark's thousands of
 * starts and codes from one address are not refused; the limiters still run on every request.
 */
export const RAISED_SMS_LIMITS = {
  START_LIMIT_PER_IP: '1000000/60',
  START_LIMIT_PER_NUMBER: '1000000/3600',
  SMS_LIMIT_PER_NUMBER: '1000000/3600',
  SMS_LIMIT_PER_IP: '1000000/3600',
  SMS_LIMIT_PER_PREFIX: '1000000/3600',
  SMS_DAILY_BUDGET: '100000000',
};

/**
 * Starts a sandbox operator and a broker with a fresh DATA_DIR. By default the sandbox runs in its own
 * process and the broker (SANDBOX=off) has it as its BROKER_CONFIG operator, so the broker's CPU is its own;
 * `embeddedSandbox` runs the broker with SANDBOX=on instead (the code-check rows need its inbox and never
 * call the operator). `store` is 'sqlite' or 'redis' (then `redis`: {url, keyPrefix}). `profileDir` runs the
 * broker with --cpu-prof (the profile is written when it stops). `env` adds broker variables.
 */
export async function startStack({ store = 'sqlite', redis, sims, profileDir, embeddedSandbox = false, env = {} }) {
  const data = tempDir('bench-broker-');
  const [brokerPort, sandboxPort] = [await freePort(), await freePort()];
  const brokerUrl = `http://127.0.0.1:${brokerPort}`;
  const issuer = `http://127.0.0.1:${sandboxPort}`;
  const started = [];
  try {
    let sandbox;
    let operatorEnv;
    if (embeddedSandbox) {
      // the sandbox is refused with NODE_ENV=production (it shows every code), so these rows run without it
      operatorEnv = { NODE_ENV: 'development', SANDBOX: 'on', SANDBOX_PORT: String(sandboxPort), SANDBOX_SIMS: Object.entries(sims).map(([a, n]) => `${a}=${n}`).join(',') };
    } else {
      sandbox = await startNode('sandbox operator', 'bench/servers/sandbox.js', {
        env: { PORT: String(sandboxPort), BROKER_URL: brokerUrl, SIMS: JSON.stringify(sims) },
        readyUrl: `${issuer}/.well-known/openid-configuration`,
      });
      started.push(sandbox);
      const brokerConfig = path.join(data.dir, 'broker-config.json');
      writeFileSync(
        brokerConfig,
        JSON.stringify({ operators: [{ id: 'sandbox', issuer, clientId: 'broker-sandbox', apiRoot: issuer, prefixes: ['+'] }] }),
      );
      // the console SMS provider needs the sandbox; these rows send no SMS, so a closed gateway port will do
      operatorEnv = { SANDBOX: 'off', BROKER_CONFIG: brokerConfig, SMS_PROVIDERS: 'http', SMS_HTTP_URL: 'http://127.0.0.1:9/sms', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' };
    }
    const broker = await startNode(`broker (${store})`, 'dist/main.js', {
      env: {
        PORT: String(brokerPort),
        HOST: '127.0.0.1',
        PUBLIC_URL: brokerUrl,
        DATA_DIR: data.dir,
        LOG_LEVEL: 'warn',
        STORE: store,
        ...(redis && { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix }),
        NODE_ENV: 'production',
        ...RAISED_SMS_LIMITS,
        ...operatorEnv,
        ...env,
      },
      nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `broker-${store}-${Date.now()}.cpuprofile`] : [],
      readyUrl: `${brokerUrl}/.well-known/jwks.json`,
    });
    started.push(broker);
    return {
      brokerUrl,
      issuer,
      keyPrefix: redis?.keyPrefix,
      broker,
      sandbox,
      stop: async () => {
        await Promise.all(started.map((p) => p.stop()));
        data.remove();
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop()));
    data.remove();
    throw err;
  }
}
