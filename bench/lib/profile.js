// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package.
// CLI: node bench/lib/profile.js FILE.cpuprofile [top]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
  }
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Number(((100 * us) / total).toFixed(1)) }));
  return { busyMs: Math.round(total / 1000), idleMs: Math.round(idle / 1000), functions: rank(functions), byCaller: rank(callers), owners: rank(owners) };
}

function labelOf(callFrame) {
  const where = callFrame.url ? `${callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${callFrame.lineNumber + 1}` : '';
  return `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
}

export function formatProfile(summary) {
  const lines = [`busy ${summary.busyMs} ms, idle ${summary.idleMs} ms`, '  self time by owner:'];
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
