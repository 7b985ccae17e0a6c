// npm run bench [-- --quick] [-- --profile] [-- --only=start,silent]
// Load benchmarks of the broker against the machine's ceiling, on loopback only. Prints a table and writes
// bench/results.json. See docs/performance.md.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './lib/processes.js';
import { formatProfile, summariseProfile } from './lib/profile.js';
import { openRedis } from './lib/redis.js';
import { startStack, simsFor } from './lib/stack.js';
import { round } from './lib/stats.js';
import * as scenarios from './scenarios.js';
import { printTable, targetsOf } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

/** Every loop is bounded in count and in time; the whole run too. */
const plan = quick
  ? {
      warmupS: 0.5,
      durationS: 2,
      flows: { warmupCount: 20, warmupMs: 1000, count: 400, durationMs: 2500 },
      codeChecks: { warmup: 50, count: 400, prepareMs: 4000 },
      memoryCount: 300,
      limitS: 90,
    }
  : {
      warmupS: 3,
      durationS: 10,
      flows: { warmupCount: 200, warmupMs: 5000, count: 5000, durationMs: 15000 },
      codeChecks: { warmup: 500, count: 4000, prepareMs: 60000 },
      memoryCount: 2000,
      limitS: 570,
    };
const SIMS = simsFor(16);
const PHONE = '+34600000002';

const watchdog = setTimeout(() => {
  console.error(`benchmark exceeded ${plan.limitS} s: stopping`);
  process.exit(2);
}, plan.limitS * 1000);
watchdog.unref();

const rows = [];
const pending = [];
const profiles = profile ? path.join(os.tmpdir(), 'broker-bench-profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
if (profiles) mkdirSync(profiles, { recursive: true });
const wanted = (id) => !only || only.some((o) => id.includes(o));
const t0 = Date.now();

async function row(id, label, work) {
  if (!wanted(id)) return;
  process.stderr.write(`  ${label} …`);
  const begin = Date.now();
  try {
    const figures = await work();
    rows.push({ id, label, ...figures });
    process.stderr.write(` ${Math.round(figures.requestsPerSecond ?? 0)}/s (${((Date.now() - begin) / 1000).toFixed(1)} s)\n`);
  } catch (err) {
    rows.push({ id, label, failed: String(err.message ?? err).split('\n')[0] });
    process.stderr.write(` failed: ${err.message}\n`);
  }
}

/**
 * Runs `work` (which adds the rows `ids`) against a fresh sandbox + broker; with --profile, the broker's CPU
 * profile is summarised for each row over its measured window.
 */
async function withStack(name, options, ids, work) {
  if (!ids.some(wanted)) return;
  const dir = profiles && path.join(profiles, name);
  if (dir) mkdirSync(dir);
  let stack;
  try {
    stack = await startStack({ sims: SIMS, profileDir: dir, ...options });
  } catch (err) {
    for (const id of ids.filter(wanted)) rows.push({ id, label: id, failed: `the broker did not start: ${err.message.split('\n').slice(0, 2).join(' ')}` });
    process.stderr.write(`  ${name}: the broker did not start: ${err.message.split('\n').slice(0, 6).join(' / ')}\n`);
    return;
  }
  const before = rows.length;
  try {
    await work(stack);
  } finally {
    await stack.stop();
  }
  if (!dir) return;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    // rows served by another process (the tutorial, the floor) say nothing of the broker's profile
    for (const r of rows.slice(before).filter((x) => x.window && x.id !== 'tutorial-login' && !x.id.startsWith('floor-'))) {
      let summary = summariseProfile(path.join(dir, file), { top: 20, window: r.window });
      if (summary.busyMs === 0) summary = summariseProfile(path.join(dir, file), { top: 20 }); // clocks disagree: whole run
      r.profile = summary;
      console.log(`\n## CPU profile of the broker, ${r.id} (${path.join(dir, file)})\n${formatProfile(summary)}`);
    }
  }
}

/** A floor row (bench/servers/floor.js, its own process); with --profile, its CPU profile is summarised like the broker's. */
async function floorRow(id, label, work) {
  if (!wanted(id)) return;
  const dir = profiles && path.join(profiles, id);
  if (dir) mkdirSync(dir);
  const before = rows.length;
  await row(id, label, () => work(dir));
  const r = rows.slice(before).find((x) => x.window);
  if (!dir || !r) return;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    r.profile = summariseProfile(path.join(dir, file), { top: 20, window: r.window });
    console.log(`\n## CPU profile of the floor, ${id} (${path.join(dir, file)})\n${formatProfile(r.profile)}`);
  }
}

process.stderr.write(`bench (${quick ? 'quick' : 'full'}): ${plan.durationS} s per fixed-request row, 50 connections, loopback only\n`);
const anatomy = !quick || args.includes('--anatomy');

await row('hello-http', 'node:http hello-world', () => scenarios.smallServer(plan, { script: 'bench/servers/hello-http.js' }));
await row('hello-express', 'Express hello-world', () => scenarios.smallServer(plan, { script: 'bench/servers/hello-express.js' }));
if (anatomy) {
  // what the broker's middleware costs before any verification work
  await row('anatomy-helmet', 'Express + helmet (JSON)', () => scenarios.smallServer(plan, { script: 'bench/servers/anatomy.js', env: { LAYERS: 'helmet' } }));
  await row('anatomy-session', 'Express + helmet + correlator + new session (SQLite)', () =>
    scenarios.smallServer(plan, { script: 'bench/servers/anatomy.js', env: { LAYERS: 'helmet,correlator,session' } }),
  );
}

/** The rows of one store: starting, silent verifications (sandbox in its own process), code checks. */
async function storeRows(store, options, redis) {
  let memory;
  const silentIds = [...(store === 'sqlite' ? ['tutorial-login', 'floor-login', 'floor-code', 'floor-silent'] : []), `start-${store}`, ...(anatomy && store === 'sqlite' ? [`start-${store}-in-session`] : []), `silent-${store}`, ...(store === 'redis' ? ['memory-redis'] : [])];
  await withStack(`${store}-silent`, options(`${store}-silent`), silentIds, async (stack) => {
    // first, while the prefix holds nothing else: Redis memory per in-flight verification
    if (store === 'redis' && wanted('memory-redis')) {
      memory = await scenarios.redisMemory(plan, { stack, redis, keyPrefix: stack.keyPrefix, phoneNumber: PHONE }).catch((err) => {
        rows.push({ id: 'memory-redis', label: 'Redis memory', failed: err.message });
      });
    }
    if (store === 'sqlite') {
      await row('tutorial-login', 'tutorial /login (Express + helmet + openid-client PKCE URL + 1 SQLite insert)', () => scenarios.tutorialLogin(plan, { stack, phoneNumber: PHONE }));
      // the floor: what the fixed choices cost with none of the broker's code (bench/servers/floor.js)
      await floorRow('floor-login', 'floor GET /login (Express + helmet + new express-session + parse + PKCE URL + 1 SQLite transaction)', (profileDir) => scenarios.floorLogin(plan, { stack, phoneNumber: PHONE, profileDir }));
      await floorRow('floor-code', 'floor code check (Express + helmet + session read + JSON body + 1 read + 1 transaction + ES256 token)', (profileDir) => scenarios.floorCodeChecks(plan, { stack, profileDir }));
      await floorRow('floor-silent', 'floor complete silent verification (floor /login + /callback: 2 transactions, openid-client code grant with an ES256 assertion, ID token RS256 check, CAMARA /verify over node:http)', (profileDir) =>
        scenarios.floorSilent(plan, { sims: SIMS, profileDir }),
      );
    }
    await row(`start-${store}`, `start a verification (GET /login), ${STORE_NAMES[store]}`, () => scenarios.startVerification(plan, { stack, phoneNumber: PHONE }));
    if (anatomy && store === 'sqlite') {
      await row('start-sqlite-in-session', 'start a verification, app already has a session, SQLite', () =>
        scenarios.startVerificationInSession(plan, { stack, phoneNumber: PHONE }),
      );
    }
    await row(`silent-${store}`, `complete silent verification, ${STORE_NAMES[store]}`, () => scenarios.silentVerifications(plan, { stack, sims: SIMS }));
  });
  await withStack(`${store}-code`, { ...options(`${store}-code`), embeddedSandbox: true }, [`code-${store}`], (stack) =>
    row(`code-${store}`, `code check (POST /v1/verifications/{id}/code), ${STORE_NAMES[store]}`, () => scenarios.codeChecks(plan, { stack })),
  );
  return memory;
}
const STORE_NAMES = { sqlite: 'SQLite', redis: 'Redis' };

await storeRows('sqlite', () => ({ store: 'sqlite' }));

let memory;
if (['start-redis', 'silent-redis', 'code-redis', 'memory-redis'].some(wanted)) {
  const redis = await openRedis(process.env).catch((err) => {
    pending.push({ id: 'redis', label: 'Redis store rows', why: `Redis unreachable: ${err.message}` });
  });
  if (!redis && !pending.some((p) => p.id === 'redis')) pending.push({ id: 'redis', label: 'Redis store rows', why: 'neither REDIS_URL nor redis-server' });
  if (redis) {
    // every stack its own key prefix, so that rows (and anyone else on a shared Redis) do not mix
    const options = (name) => ({ store: 'redis', redis: { url: redis.url, keyPrefix: `bench-${process.pid}-${name}:` } });
    try {
      memory = await storeRows('redis', options, redis);
    } finally {
      await redis.removeKeys(`bench-${process.pid}-*`).catch(() => undefined);
      await redis.stop();
    }
  }
}

// the ceiling again: the machine is shared, so ratios use the mean of both Express runs
await row('hello-express-end', 'Express hello-world (again, at the end)', () => scenarios.smallServer(plan, { script: 'bench/servers/hello-express.js' }));

const express = rows.filter((r) => r.id.startsWith('hello-express') && !r.failed).map((r) => r.requestsPerSecond);
const expressMean = express.length ? express.reduce((a, b) => a + b, 0) / express.length : undefined;
const expressCpu = rows.filter((r) => r.id.startsWith('hello-express') && !r.failed).map((r) => r.cpuMsPerOp);
const expressCpuMean = expressCpu.length ? expressCpu.reduce((a, b) => a + b, 0) / expressCpu.length : undefined;
for (const r of rows) {
  if (r.failed) continue;
  if (expressMean) r.vsExpress = r.requestsPerSecond / expressMean;
  // CPU per operation is steadier than req/s on a shared machine: Express's CPU/op over the row's
  if (expressCpuMean && r.cpuMsPerOp) r.vsExpressCpu = expressCpuMean / r.cpuMsPerOp;
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  node: process.version,
  platform: `${os.type()} ${os.release()}`,
};
const results = {
  when: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  seconds: round((Date.now() - t0) / 1000, 1),
  machine,
  plan,
  expressMeanRequestsPerSecond: round(expressMean, 0),
  expressMeanCpuMsPerRequest: round(expressCpuMean, 3),
  rows: rows.map(({ profile: p, window: _w, ...r }) => ({ ...r, ...(p && { profile: { owners: p.owners, functions: p.functions.slice(0, 10), byCaller: p.byCaller.slice(0, 10) } }) })),
  redisMemory: memory,
  targets: targetsOf(rows, memory),
  pending,
};
writeFileSync(path.join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
printTable(results);
process.exit(rows.some((r) => r.failed) ? 1 : 0);
