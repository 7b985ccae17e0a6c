// Fixed-request load with autocannon: bounded by duration (or an amount of requests) and a hard timeout.
import autocannon from 'autocannon';

/**
 * Runs autocannon against a loopback URL and summarises it. Responses whose status is not in `expect`
 * count as errors, as do socket errors and timeouts.
 */
export async function load({ url, connections = 50, duration, amount, requests, method = 'GET', headers, body, expect = [200], timeoutS = 10 }) {
  const target = new URL(url);
  if (!target.hostname.startsWith('127.')) throw new Error(`refusing to load ${url}: loopback (127.0.0.0/8) only`);
  // autocannon refuses more connections than requests
  const options = { url, connections: amount ? Math.min(connections, amount) : connections, method, headers, body, timeout: timeoutS, ...(requests && { requests }) };
  if (amount) options.amount = amount;
  else options.duration = duration;
  const began = process.hrtime.bigint();
  const instance = autocannon(options);
  // autocannon settles on its one-second tick: the run ends with its last response
  let lastResponse = began;
  instance.on('response', () => {
    lastResponse = process.hrtime.bigint();
  });
  // a second bound, whatever autocannon does
  const limitS = amount ? 120 : duration + 30;
  const guard = setTimeout(() => instance.stop(), limitS * 1000);
  const result = await instance;
  clearTimeout(guard);
  const seconds = Number(lastResponse - began) / 1e9 || result.duration;

  let expected = 0;
  let unexpected = 0;
  const statuses = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[status] = count;
    if (expect.includes(Number(status))) expected += count;
    else unexpected += count;
  }
  return {
    requestsPerSecond: expected / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: expected + unexpected,
    errors: unexpected + result.errors, // autocannon counts timeouts among errors
    statuses,
    seconds,
  };
}
