// Verifications waiting for their SMS code, made ready for the code-check row: each has its own session
// (cookie), its own number (so per-number limits and the sandbox inbox stay simple) and the code it was sent.
import { Device } from './device.js';

const CODE = /(?:^|\D)(\d{4,10})(?:\D|$)/;

/** +34 610 000 000, +34 610 000 001, …: valid Spanish mobile numbers, one per verification. */
export const numberFor = (i) => `+3461${String(i).padStart(7, '0')}`;

/**
 * Starts `count` verifications on WiFi (so the broker sends a code at once), `concurrency` at a time, and
 * reads each code from the sandbox inbox. Bounded by `durationMs` too.
 */
export async function prepareCodeChecks({ brokerUrl, count, concurrency = 8, durationMs, firstNumber = 0 }) {
  const deadline = Date.now() + durationMs;
  const ready = [];
  const failures = new Map();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const device = new Device('127.0.0.1');
      try {
        while (next < count && Date.now() < deadline) {
          const phoneNumber = numberFor(firstNumber + next++);
          device.forgetCookies();
          try {
            const started = await device.post(`${brokerUrl}/v1/verifications`, { phoneNumber, network: 'wifi' });
            if (started.status !== 201) throw new Error(`POST /v1/verifications: ${started.status} ${started.text.slice(0, 160)}`);
            const body = JSON.parse(started.text);
            if (body.status !== 'otp_sent') throw new Error(`verification is ${body.status}, not otp_sent`);
            const inbox = await device.get(`${brokerUrl}/sandbox/inbox?phoneNumber=${encodeURIComponent(phoneNumber)}`);
            const messages = JSON.parse(inbox.text).messages ?? [];
            const code = CODE.exec(messages.at(-1)?.body ?? '')?.[1];
            if (!code) throw new Error('no code in the sandbox inbox');
            const cookie = [...(device.cookies.get('127.0.0.1') ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
            ready.push({ id: body.verificationId, cookie, code });
          } catch (err) {
            const reason = String(err.message).slice(0, 160);
            failures.set(reason, (failures.get(reason) ?? 0) + 1);
          }
        }
      } finally {
        device.close();
      }
    }),
  );
  if (ready.length === 0) throw new Error(`no verification could be prepared: ${JSON.stringify(Object.fromEntries(failures))}`);
  return { ready, failures: Object.fromEntries(failures) };
}

/** autocannon requests that take the prepared verifications one by one: POST …/code with the right code. */
export function codeCheckRequests(pool) {
  let taken = 0;
  return [
    {
      method: 'POST',
      setupRequest: (request) => {
        // autocannon may build a request it never sends; the pool has headroom, and an exhausted pool
        // sends a check that is refused (and counted as an error) rather than reusing a verification
        const v = pool[taken++] ?? { id: 'vrf_exhausted', cookie: '', code: '000000' };
        return {
          ...request,
          method: 'POST',
          path: `/v1/verifications/${v.id}/code`,
          headers: { 'content-type': 'application/json', cookie: v.cookie },
          body: JSON.stringify({ code: v.code }),
        };
      },
    },
  ];
}
