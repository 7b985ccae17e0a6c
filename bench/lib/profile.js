// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package.
// CLI: node bench/lib/profile.js FILE.cpuprofile [top]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Components of the broker's work. A sample is charged to the nearest frame (from the leaf up) outside node
 * core, so node core and native work (sockets, crypto, JSON) goes to the library or code that asked for it;
 * fetch counts as a library though Node bundles it. Samples with only node core frames are named by them.
 */
const COMPONENTS = [
  ['HTTP client: fetch (undici, used by openid-client)', /node:internal\/deps\/undici/],
  ['HTTP client: axios (Number Verification call)', /node_modules\/(axios|follow-redirects|proxy-from-env|form-data)\//],
  ['JWT sign/verify (jose)', /node_modules\/jose\//],
  ['openid-client / oauth4webapi (incl. its WebCrypto)', /node_modules\/(openid-client|oauth4webapi)\//],
  ['store (SQLite / Redis)', /node_modules\/(better-sqlite3|ioredis|@ioredis|redis-parser|rate-limiter-flexible|cluster-key-slot|denque|standard-as-callback)\/|\/dist\/store\/|\/dist\/otp\/rate-limits|\/dist\/http\/session-(store|codec)/],
  ['session (express-session, cookies)', /node_modules\/(express-session|cookie|cookie-signature|on-headers|uid-safe|random-bytes|crc)\//],
  ['helmet', /node_modules\/helmet\//],
  ['validation (zod, libphonenumber-js)', /node_modules\/(zod|libphonenumber-js)\//],
  ['logging (pino)', /node_modules\/(pino|pino-std-serializers|@pinojs|sonic-boom|thread-stream)/],
  ['broker code (dist/, other than the store)', /\/dist\//],
  ['Express, router, body parsing, send', /node_modules\/(express|router|body-parser|raw-body|finalhandler|send|serve-static|etag|fresh|parseurl|path-to-regexp|content-type|type-is|mime-types|mime-db|accepts|negotiator|qs|depd|statuses|http-errors|iconv-lite|encodeurl|escape-html|vary|merge-descriptors|range-parser|media-typer|content-disposition|proxy-addr|forwarded|ipaddr\.js|on-finished|ee-first|unpipe|debug|ms|bytes|destroy)\//],
];
const RESPONSE_WRAPPERS = /node_modules\/(express-session|on-headers)\//;
const CORE_ONLY = [
  ['node:http server (parsing, writing responses)', /node:_http_server|node:_http_incoming|node:_http_outgoing|node:_http_common/],
  ['node:http client', /node:_http_client|node:_http_agent/],
  ['sockets and streams', /node:net|node:internal\/stream|node:internal\/streams|node:stream/],
];

/** Where a script belongs: a package under node_modules, the broker (dist/…), or node itself. */
function ownerOf(url) {
  if (!url) return '(native / gc / idle)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node core';
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist) return `broker: dist/${dist[1].split('/')[0]}`;
  return url;
}

/**
 * Self time per function and per owner. `window` ({fromUs, toUs}, monotonic µs as process.hrtime) keeps only
 * the samples of the measured part, leaving out start-up and warm-up. Time spent in node core or native
 * frames is also charged to the nearest caller outside node core (`byCaller`), which says who caused it.
 */
export function summariseProfile(file, { top = 25, window } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map();
  // samples[i] was taken at startTime + sum(timeDeltas[0..i]); charge the interval to the next sample to it
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    const delta = profile.timeDeltas[i + 1] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
  }
  const isCore = (node) => !node.callFrame.url || node.callFrame.url.startsWith('node:');
  const callers = new Map();
  const components = new Map();
  const componentOf = (id) => {
    const leaf = byId.get(id).callFrame.functionName;
    if (leaf === '(garbage collector)') return 'garbage collector';
    if (leaf === '(program)') return '(program: V8 and native, unattributed)';
    let core;
    for (let node = byId.get(id); node; node = parentOf.has(node.id) ? byId.get(parentOf.get(node.id)) : undefined) {
      const url = node.callFrame.url;
      const hit = COMPONENTS.find(([, re]) => re.test(url));
      // express-session and on-headers wrap res.end/writeHead: writing the response is not theirs
      if (hit && core && RESPONSE_WRAPPERS.test(url)) return core;
      if (hit) return hit[0];
      if (url && !url.startsWith('node:')) return `other: ${ownerOf(url)}`;
      core ??= CORE_ONLY.find(([, re]) => re.test(url))?.[0];
    }
    return core ?? 'node core, other (timers, microtasks, crypto callbacks)';
  };
  const functions = new Map();
  const owners = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const key = labelOf(callFrame);
    functions.set(key, (functions.get(key) ?? 0) + us);
    const owner = callFrame.functionName.startsWith('(') && !callFrame.url ? callFrame.functionName : ownerOf(callFrame.url);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    let caller = byId.get(id);
    while (isCore(caller) && parentOf.has(caller.id)) caller = byId.get(parentOf.get(caller.id));
    const callerKey = isCore(caller) ? key : labelOf(caller.callFrame);
    callers.set(callerKey, (callers.get(callerKey) ?? 0) + us);
    const component = componentOf(id);
    components.set(component, (components.get(component) ?? 0) + us);
  }
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Number(((100 * us) / total).toFixed(1)) }));
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    components: rank(components),
    functions: rank(functions),
    byCaller: rank(callers),
    owners: rank(owners),
  };
}

function labelOf(callFrame) {
  const where = callFrame.url ? `${callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${callFrame.lineNumber + 1}` : '';
  return `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
}

export function formatProfile(summary) {
  const lines = [`busy ${summary.busyMs} ms, idle ${summary.idleMs} ms`, '  by component (node core and native work charged to the component that asked for it):'];
  for (const c of summary.components) lines.push(`    ${String(c.pct).padStart(5)}%  ${String(c.ms).padStart(6)} ms  ${c.name}`);
  lines.push('  self time by owner:');
  for (const o of summary.owners) lines.push(`    ${String(o.pct).padStart(5)}%  ${String(o.ms).padStart(6)} ms  ${o.name}`);
  lines.push('  top functions (self time):');
  for (const f of summary.functions) lines.push(`    ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}`);
  lines.push('  top callers outside node core (self time of node core and native frames charged to them):');
  for (const f of summary.byCaller) lines.push(`    ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatProfile(summariseProfile(process.argv[2], { top: Number(process.argv[3] ?? 30) })));
}
