// The benchmark's rows. Each returns plain figures; run.js orders them, computes ratios and prints.
import { load } from './lib/load.js';
import { freePort, startNode, tempDir } from './lib/processes.js';
import { codeCheckRequests, prepareCodeChecks } from './lib/code-checks.js';
import { runSilentFlows } from './lib/silent-flows.js';

const CONNECTIONS = 50;

/** Monotonic microseconds, the clock of V8's CPU profiles: the measured window of a row. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Fixed-request load with a warm-up, reading the server's CPU over the measured part only. */
async function measuredLoad(server, plan, options) {
  if (plan.warmupS > 0) await load({ ...options, duration: plan.warmupS });
  const cpuBefore = await server.cpuMs();
  const fromUs = nowUs();
  const result = await load({ ...options, duration: plan.durationS });
  const window = { fromUs, toUs: nowUs() };
  const cpuMs = (await server.cpuMs()) - cpuBefore;
  return { ...result, cpuMsPerOp: result.total ? cpuMs / result.total : undefined, window };
}

/**
 * A small server of bench/servers/ in its own process: the hello-world ceilings, and the broker's middleware
 * layer by layer (anatomy.js with LAYERS).
 */
export async function smallServer(plan, { script, env = {} }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const data = tempDir('bench-small-');
  try {
    const server = await startNode(script, script, { env: { PORT: String(port), NODE_ENV: 'production', DATA_DIR: data.dir, ...env }, readyUrl: url });
    try {
      return await measuredLoad(server, plan, { url, connections: CONNECTIONS });
    } finally {
      await server.stop();
    }
  } finally {
    data.remove();
  }
}

/**
 * Starting a verification: GET /login?phoneNumber=… with no cookie, as a new app install would, so each
 * request also creates a session; the verification and the OAuth state are persisted. Expect 200.
 */
export async function startVerification(plan, { stack, phoneNumber }) {
  const url = `${stack.brokerUrl}/login?phoneNumber=${encodeURIComponent(phoneNumber)}`;
  return measuredLoad(stack.broker, plan, { url, connections: CONNECTIONS });
}

/**
 * The tutorial's `/login` (bench/servers/tutorial-login.js) against the same operator, measured like the broker's
 * start: the program a user would write instead, and the bar the broker's GET /login is held to.
 */
export async function tutorialLogin(plan, { stack, phoneNumber }) {
  const port = await freePort();
  const data = tempDir('bench-tutorial-');
  try {
    const script = 'bench/servers/tutorial-login.js';
    const server = await startNode('tutorial /login', script, { env: { PORT: String(port), NODE_ENV: 'production', DATA_DIR: data.dir, ISSUER: stack.issuer }, readyUrl: `http://127.0.0.1:${port}/` });
    try {
      return await measuredLoad(server, plan, { url: `http://127.0.0.1:${port}/login?phoneNumber=${encodeURIComponent(phoneNumber)}`, connections: CONNECTIONS });
    } finally {
      await server.stop();
    }
  } finally {
    data.remove();
  }
}

/** with --profile, the floor runs with --cpu-prof into `profileDir` (its profile is written when it stops) */
const profiled = (profileDir) => (profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `floor-${Date.now()}.cpuprofile`] : []);

/** Runs `work(url, server)` against the floor (bench/servers/floor.js) in its own process, on the stack's operator. */
async function withFloor(stack, profileDir, work) {
  const port = await freePort();
  const data = tempDir('bench-floor-');
  try {
    const url = `http://127.0.0.1:${port}`;
    const server = await startNode('floor', 'bench/servers/floor.js', { env: { PORT: String(port), NODE_ENV: 'production', DATA_DIR: data.dir, ISSUER: stack.issuer }, nodeArgs: profiled(profileDir), readyUrl: `${url}/` });
    try {
      return await work(url, server);
    } finally {
      await server.stop();
    }
  } finally {
    data.remove();
  }
}

/** The floor's GET /login (bench/servers/floor.js): what the issue's fixed choices cost before any broker code. */
export async function floorLogin(plan, { stack, phoneNumber, profileDir }) {
  return withFloor(stack, profileDir, (url, server) => measuredLoad(server, plan, { url: `${url}/login?phoneNumber=${encodeURIComponent(phoneNumber)}`, connections: CONNECTIONS }));
}

/** The floor's code check, measured like the broker's (codeChecks): one prepared verification per check. */
export async function floorCodeChecks(plan, { stack, profileDir }) {
  return withFloor(stack, profileDir, async (url, server) => {
    const headroom = CONNECTIONS;
    const { warmup, count } = plan.codeChecks;
    const ready = [];
    for (let i = 0; i < warmup + count + 2 * headroom; i++) {
      const seeded = await fetch(`${url}/seed`);
      const cookie = seeded.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      ready.push({ ...(await seeded.json()), cookie });
    }
    await load({ url: `${url}/`, connections: CONNECTIONS, amount: warmup, requests: codeCheckRequests(ready.slice(0, warmup + headroom)) });
    const cpuBefore = await server.cpuMs();
    const fromUs = nowUs();
    const result = await load({ url: `${url}/`, connections: CONNECTIONS, amount: count, requests: codeCheckRequests(ready.slice(warmup + headroom)) });
    const window = { fromUs, toUs: nowUs() };
    const cpuMs = (await server.cpuMs()) - cpuBefore;
    return { ...result, cpuMsPerOp: result.total ? cpuMs / result.total : undefined, window };
  });
}

/**
 * The floor's complete silent verification (bench/servers/floor.js), measured like the broker's
 * (silentVerifications): its own sandbox operator, since the stack's registers only the broker as client.
 * Both ports are picked first: the sandbox registers the floor's /callback and JWKS, and needs the JWKS only at
 * its first token request, while the floor reads the sandbox's discovery and ID-token keys as it starts.
 */
export async function floorSilent(plan, { sims, profileDir }) {
  const [floorPort, sandboxPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${floorPort}`;
  const issuer = `http://127.0.0.1:${sandboxPort}`;
  const data = tempDir('bench-floor-silent-');
  const started = [];
  try {
    started.push(
      await startNode('floor sandbox operator', 'bench/servers/sandbox.js', {
        env: { PORT: String(sandboxPort), BROKER_URL: url, SIMS: JSON.stringify(sims) },
        readyUrl: `${issuer}/.well-known/openid-configuration`,
      }),
    );
    const floor = await startNode('floor', 'bench/servers/floor.js', { env: { PORT: String(floorPort), PUBLIC_URL: url, NODE_ENV: 'production', DATA_DIR: data.dir, ISSUER: issuer }, nodeArgs: profiled(profileDir), readyUrl: `${url}/` });
    started.push(floor);
    return await silentVerifications(plan, { stack: { brokerUrl: url, broker: floor }, sims });
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    data.remove();
  }
}

/** The same from an app that already has a session (its cookie is sent): no session is written. */
export async function startVerificationInSession(plan, { stack, phoneNumber }) {
  const url = `${stack.brokerUrl}/login?phoneNumber=${encodeURIComponent(phoneNumber)}`;
  const first = await fetch(url);
  await first.arrayBuffer();
  const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (!cookie) throw new Error('GET /login set no session cookie');
  return measuredLoad(stack.broker, plan, { url, connections: CONNECTIONS, headers: { cookie } });
}

/** Complete silent verifications, one phone per SIM in parallel; CPU is the broker's only. */
export async function silentVerifications(plan, { stack, sims }) {
  // warm-up: the broker's discovery, the sandbox's client JWKS fetch, JIT
  await runSilentFlows({ brokerUrl: stack.brokerUrl, sims, count: plan.flows.warmupCount, durationMs: plan.flows.warmupMs });
  const cpuBefore = await stack.broker.cpuMs();
  const fromUs = nowUs();
  const result = await runSilentFlows({ brokerUrl: stack.brokerUrl, sims, count: plan.flows.count, durationMs: plan.flows.durationMs });
  const window = { fromUs, toUs: nowUs() };
  const cpuMs = (await stack.broker.cpuMs()) - cpuBefore;
  return {
    requestsPerSecond: result.perSecond,
    p50: result.p50,
    p99: result.p99,
    total: result.completed + result.failed,
    errors: result.failed,
    failures: result.failures,
    seconds: result.seconds,
    // the failed ones cost CPU too: charge everything to the completed ones
    cpuMsPerOp: result.completed ? cpuMs / result.completed : undefined,
    requestsPerFlow: result.requestsPerFlow,
    window,
  };
}

/**
 * Code checks: POST /v1/verifications/{id}/code with the right code, each on a verification of its own
 * (prepared beforehand: started on WiFi, code sent, read from the sandbox inbox). A fixed number of checks
 * (`plan.codeChecks`) rather than a duration, since each verification can be checked once. Expect 200.
 */
export async function codeChecks(plan, { stack }) {
  // autocannon builds one request per connection before it starts, which may go unsent: keep headroom
  const headroom = CONNECTIONS;
  const wanted = plan.codeChecks.warmup + plan.codeChecks.count + 2 * headroom;
  const { ready, failures } = await prepareCodeChecks({ brokerUrl: stack.brokerUrl, count: wanted, durationMs: plan.codeChecks.prepareMs });
  // a slow machine prepares fewer within the time bound: measure fewer rather than nothing
  const warmup = Math.min(plan.codeChecks.warmup, Math.floor(ready.length / 8));
  const count = ready.length - warmup - 2 * headroom;
  if (count < 100) throw new Error(`only ${ready.length} verifications could be prepared in ${plan.codeChecks.prepareMs} ms: ${JSON.stringify(failures)}`);
  const url = `${stack.brokerUrl}/`;
  if (warmup > 0) await load({ url, connections: CONNECTIONS, amount: warmup, requests: codeCheckRequests(ready.slice(0, warmup + headroom)) });
  const cpuBefore = await stack.broker.cpuMs();
  const fromUs = nowUs();
  const result = await load({ url, connections: CONNECTIONS, amount: count, requests: codeCheckRequests(ready.slice(warmup + headroom)) });
  const window = { fromUs, toUs: nowUs() };
  const cpuMs = (await stack.broker.cpuMs()) - cpuBefore;
  return { ...result, cpuMsPerOp: result.total ? cpuMs / result.total : undefined, window, prepared: ready.length };
}

/**
 * Redis memory per in-flight verification: `plan.memoryCount` verifications started (each with its session
 * and OAuth state), then the MEMORY USAGE of every key under the stack's prefix, by kind of key; and the
 * change of used_memory, meaningful only on a Redis of our own.
 */
export async function redisMemory(plan, { stack, redis, keyPrefix, phoneNumber }) {
  const before = await redis.snapshot();
  const url = `${stack.brokerUrl}/login?phoneNumber=${encodeURIComponent(phoneNumber)}`;
  const result = await load({ url, connections: 10, amount: plan.memoryCount });
  const after = await redis.snapshot();
  const started = result.statuses['200'] ?? 0;
  if (!started) throw new Error(`no verification started: ${JSON.stringify(result.statuses)}`);
  const byKind = await redis.usageByKind(keyPrefix);
  const keyBytes = Object.values(byKind).reduce((sum, k) => sum + k.bytes, 0);
  const keyCount = Object.values(byKind).reduce((sum, k) => sum + k.keys, 0);
  return {
    started,
    bytesPerVerification: keyBytes / started,
    keysPerVerification: keyCount / started,
    usedMemoryPerVerification: redis.private ? (after.usedMemory - before.usedMemory) / started : undefined,
    byKind,
  };
}
