// The table and the targets (the lifecycle/performance issue), from the figures run.js gathered.

const TARGETS = {
  /** GET /login against the tutorial's /login (bench/servers/tutorial-login.js), req/s and CPU per request */
  startVsTutorial: 1.0,
  startP99Ms: 40,
  silentCpuMs: 2.0,
  codeVsExpress: 0.4,
  redisVsSqlite: 0.9,
};

const find = (rows, id) => rows.find((r) => r.id === id && !r.failed);

function verdict(value, ok, text) {
  if (value === undefined || value === null || Number.isNaN(value)) return { status: 'not measured', text };
  return { status: ok ? 'met' : 'missed', text };
}

const pct = (x) => `${(100 * x).toFixed(0)}%`;
const times = (x) => `${x.toFixed(2)}×`;

/** Where each target stands. */
export function targetsOf(rows) {
  const out = {};
  const start = find(rows, 'start-sqlite');
  const tutorial = find(rows, 'tutorial-login');
  if (start && tutorial) {
    const ratio = start.requestsPerSecond / tutorial.requestsPerSecond;
    const byCpu = start.cpuMsPerOp && tutorial.cpuMsPerOp ? tutorial.cpuMsPerOp / start.cpuMsPerOp : undefined;
    out.startVsTutorial = verdict(ratio, ratio >= TARGETS.startVsTutorial && (byCpu ?? 0) >= TARGETS.startVsTutorial, `start ${pct(ratio)} of the tutorial /login's req/s, ${byCpu ? pct(byCpu) : '–'} of its CPU per request (goal ≥ ${pct(TARGETS.startVsTutorial)} of both)`);
  }
  if (start) {
    out.startLatency = verdict(start.p99, start.p99 <= TARGETS.startP99Ms, `start p99 ${start.p99} ms (goal ≤ ${TARGETS.startP99Ms} ms)`);
  }
  // the floor (bench/servers/floor.js): what the issue's fixed choices cost with none of the broker's code. A
  // floor that misses a target proves that target out of reach; the broker is then measured against its floor.
  const floor = find(rows, 'floor-login');
  if (floor && tutorial) {
    const byCpu = tutorial.cpuMsPerOp / floor.cpuMsPerOp;
    out.startFloor = { status: byCpu >= TARGETS.startVsTutorial ? 'reachable' : 'out of reach', text: `floor /login ${pct(floor.requestsPerSecond / tutorial.requestsPerSecond)} of the tutorial's req/s, ${pct(byCpu)} of its CPU per request${start ? `; the broker's start costs ${times(start.cpuMsPerOp / floor.cpuMsPerOp)} the floor's CPU` : ''}` };
  }
  if (floor) {
    out.startLatencyFloor = { status: floor.p99 <= TARGETS.startP99Ms ? 'reachable' : 'out of reach', text: `floor /login p99 ${floor.p99} ms at 50 connections (goal ≤ ${TARGETS.startP99Ms} ms)` };
  }
  const floorCode = find(rows, 'floor-code');
  const codeRow = find(rows, 'code-sqlite');
  if (floorCode?.vsExpress !== undefined) {
    out.codeFloor = { status: floorCode.vsExpress >= TARGETS.codeVsExpress ? 'reachable' : 'out of reach', text: `floor code check ${pct(floorCode.vsExpress)} of Express hello-world req/s, ${floorCode.vsExpressCpu ? pct(floorCode.vsExpressCpu) : '–'} by CPU${codeRow ? `; the broker's check costs ${times(codeRow.cpuMsPerOp / floorCode.cpuMsPerOp)} the floor's CPU` : ''}` };
  }
  const silent = find(rows, 'silent-sqlite');
  const floorSilent = find(rows, 'floor-silent');
  if (floorSilent?.cpuMsPerOp !== undefined) {
    out.silentFloor = {
      status: floorSilent.cpuMsPerOp <= TARGETS.silentCpuMs ? 'reachable' : 'out of reach',
      text: `floor silent verification ${floorSilent.cpuMsPerOp.toFixed(2)} ms CPU (goal ≤ ${TARGETS.silentCpuMs} ms)${silent?.cpuMsPerOp ? `; the broker's costs ${times(silent.cpuMsPerOp / floorSilent.cpuMsPerOp)} the floor's CPU` : ''}`,
    };
  }
  if (silent) {
    out.silentCpu = verdict(silent.cpuMsPerOp, silent.cpuMsPerOp <= TARGETS.silentCpuMs, `broker CPU ${silent.cpuMsPerOp?.toFixed(2)} ms per completed silent verification (goal ≤ ${TARGETS.silentCpuMs} ms)`);
  }
  const code = find(rows, 'code-sqlite');
  if (code) out.codeThroughput = verdict(code.vsExpress, code.vsExpress >= TARGETS.codeVsExpress, `code checks ${pct(code.vsExpress)} of Express hello-world req/s (goal ≥ ${pct(TARGETS.codeVsExpress)}); by CPU per request ${code.vsExpressCpu ? pct(code.vsExpressCpu) : '–'}`);
  for (const what of ['start', 'code', 'silent']) {
    const [sqlite, redis] = [find(rows, `${what}-sqlite`), find(rows, `${what}-redis`)];
    if (sqlite && redis) {
      const ratio = redis.requestsPerSecond / sqlite.requestsPerSecond;
      const byCpu = sqlite.cpuMsPerOp && redis.cpuMsPerOp ? pct(sqlite.cpuMsPerOp / redis.cpuMsPerOp) : '–';
      out[`${what}RedisVsSqlite`] = verdict(ratio, ratio >= TARGETS.redisVsSqlite, `${what} on Redis ${pct(ratio)} of SQLite's req/s (goal ≥ ${pct(TARGETS.redisVsSqlite)}); by broker CPU per operation ${byCpu}`);
    }
  }
  return out;
}

function fmt(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A Markdown table (it reads as well in a terminal as in docs/performance.md). */
export function tableOf(results) {
  const lines = [
    '| row | req/s | p50 ms | p99 ms | errors | vs Express (req/s) | server CPU ms/op | vs Express (CPU/op) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results.rows) {
    if (r.failed) {
      lines.push(`| ${r.label} | failed: ${r.failed.replace(/\|/g, '/')} | | | | | | |`);
      continue;
    }
    const unit = r.requestsPerFlow ? ` verif/s (${r.requestsPerFlow.toFixed(0)} HTTP requests each)` : '';
    lines.push(
      `| ${r.label} | ${fmt(r.requestsPerSecond, r.requestsPerFlow ? 1 : 0)}${unit} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.errors)} / ${fmt(r.total)} | ${r.vsExpress === undefined ? '–' : pct(r.vsExpress)} | ${fmt(r.cpuMsPerOp, 3)} | ${r.vsExpressCpu === undefined ? '–' : pct(r.vsExpressCpu)} |`,
    );
  }
  for (const p of results.pending) lines.push(`| ${p.label} | pending: ${p.why} | | | | | | |`);
  return lines.join('\n');
}

/** Redis memory per in-flight verification, as text. */
export function memoryOf(r) {
  const lines = [
    `Redis memory per in-flight verification (GET /login: verification, OAuth state, session): ${fmt(r.bytesPerVerification)} bytes in ${fmt(r.keysPerVerification, 1)} keys by MEMORY USAGE` +
      (r.usedMemoryPerVerification === undefined ? '' : `; used_memory grew ${fmt(r.usedMemoryPerVerification)} bytes per verification`) +
      ` (${r.started} verifications)`,
  ];
  for (const [kind, k] of Object.entries(r.byKind ?? {})) lines.push(`  ${kind}: ${k.keys} keys, ${fmt(k.bytes / k.keys)} bytes each`);
  return lines.join('\n');
}

export function printTable(results) {
  const m = results.machine;
  console.log(`\n# Broker benchmark (${results.mode}, ${results.seconds} s) — ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}\n`);
  console.log(tableOf(results));
  if (results.redisMemory) console.log(`\n${memoryOf(results.redisMemory)}`);
  console.log('\nTargets (goals, not assertions):');
  for (const t of Object.values(results.targets)) console.log(`  ${t.status.padEnd(12)} ${t.text}`);
  for (const r of results.rows.filter((x) => x.failures && Object.keys(x.failures).length)) console.log(`\n${r.label} failures: ${JSON.stringify(r.failures)}`);
  console.log('\nbench/results.json written.');
}
