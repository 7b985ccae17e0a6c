// Drives complete silent verifications: several phones (sandbox SIMs on loopback addresses) in parallel,
// each following the redirect chain broker /login → operator authorize → interactions → broker /callback.
import { Device } from './device.js';
import { quantile } from './stats.js';

const MAX_HOPS = 12;

/**
 * One silent verification, as the phone sees it. Resolves with the number of HTTP requests it took;
 * throws when the chain breaks or does not end on the result page with status=verified.
 */
export async function verifySilently(device, brokerUrl, phoneNumber) {
  device.forgetCookies();
  const broker = new URL(brokerUrl);
  let url = `${brokerUrl}/login?phoneNumber=${encodeURIComponent(phoneNumber)}&redirect=true`;
  for (let hop = 1; hop <= MAX_HOPS; hop++) {
    const res = await device.get(url);
    const location = res.headers.location;
    if (res.status !== 302 && res.status !== 303) throw new Error(`${new URL(url).pathname}: expected a redirect, got ${res.status} ${res.text.slice(0, 160)}`);
    const next = new URL(location, url);
    if (next.host === broker.host && next.pathname === '/result.html') {
      const status = next.searchParams.get('status');
      if (status !== 'verified') throw new Error(`verification ended ${status}`);
      return hop;
    }
    url = next.href;
  }
  throw new Error(`more than ${MAX_HOPS} redirects`);
}

/**
 * Runs up to `count` silent verifications within `durationMs`, `sims.length` at a time (one phone per SIM).
 * Both bounds hold: no verification starts after the deadline.
 */
export async function runSilentFlows({ brokerUrl, sims, count, durationMs }) {
  const deadline = Date.now() + durationMs;
  let started = 0;
  const latencies = [];
  const failures = new Map();
  let requests = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Object.entries(sims).map(async ([address, phoneNumber]) => {
      const device = new Device(address);
      try {
        while (started < count && Date.now() < deadline) {
          started++;
          const begin = process.hrtime.bigint();
          try {
            const hops = await verifySilently(device, brokerUrl, phoneNumber);
            requests += hops;
            latencies.push(Number(process.hrtime.bigint() - begin) / 1e6);
          } catch (err) {
            const reason = String(err.message).slice(0, 120);
            failures.set(reason, (failures.get(reason) ?? 0) + 1);
          }
        }
      } finally {
        device.close();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    completed: latencies.length,
    failed: started - latencies.length,
    failures: Object.fromEntries(failures),
    seconds,
    perSecond: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    requestsPerFlow: latencies.length ? requests / latencies.length : undefined,
  };
}
