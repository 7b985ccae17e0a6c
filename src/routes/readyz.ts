import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { presentsKey } from '../http/api-key-auth.js';
import type { KeyPurpose } from '../keys/key-ring.js';

/** a probe answers quickly or not at all */
const STORE_PING_TIMEOUT_MS = 1000;
const KEY_PURPOSES: KeyPurpose[] = ['client-assertion', 'session-token'];

/**
 * GET /readyz: whether this broker should be sent traffic (readiness). 200 when ready, else 503; the body
 * names each check and, in `problems`, what is not ready.
 *
 * Rules:
 * - the store answers a ping within a second;
 * - a signing key is active for client assertions and for session tokens;
 * - every operator's discovery has been tried: while one is still loading for the first time (start-up),
 *   the broker is not ready. A probe starts the discovery of any operator not loaded yet.
 * - an operator whose discovery failed leaves the broker ready but `degraded`, and is named: its
 *   verifications fall back to SMS, and taking every broker out of the load balancer would turn one
 *   operator's outage into a full one. Each probe tries its discovery again (one attempt at a time).
 * - operators are named only to a caller with the admin key (`Authorization: Bearer`): which operators a
 *   broker serves, and which one is down, is not for anyone who can reach the probe; anonymous callers get
 *   counts per state and problems that say how many. A wrong key is answered as anonymous, not refused:
 *   load balancers probe without one.
 */
export function readyz(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const admin = presentsKey(req.get('authorization'), deps.secrets.adminApiKey);
    const discovery = deps.operators.discoveryStatus();
    if (Object.values(discovery).some((state) => state === 'not_loaded' || state === 'failed')) void deps.operators.warmUp();
    const [store, keys] = await Promise.all([storeCheck(deps), keysCheck(deps)]);

    const problems: string[] = [];
    if (store !== 'ok') problems.push('store: unreachable');
    if (keys !== 'ok') problems.push(`keys: ${keys}`);
    const starting = Object.entries(discovery).filter(([, state]) => state === 'loading' || state === 'not_loaded');
    const failed = Object.entries(discovery).filter(([, state]) => state === 'failed');
    if (admin) {
      for (const [id] of starting) problems.push(`operator ${id}: discovery not loaded yet`);
      for (const [id] of failed) problems.push(`operator ${id}: discovery failed (its verifications use SMS)`);
    } else {
      if (starting.length) problems.push(`${operatorCount(starting.length)}: discovery not loaded yet`);
      if (failed.length) problems.push(`${operatorCount(failed.length)}: discovery failed (their verifications use SMS)`);
    }

    const ready = store === 'ok' && keys === 'ok' && starting.length === 0;
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        status: !ready ? 'not_ready' : failed.length ? 'degraded' : 'ready',
        checks: { store, keys, operators: admin ? discovery : countsOf(discovery) },
        problems,
      });
  };
}

/** how many operators are in each discovery state, for anonymous callers */
function countsOf(discovery: Record<string, string>): Record<'total' | 'loaded' | 'loading' | 'failed', number> {
  const states = Object.values(discovery);
  const count = (...wanted: string[]) => states.filter((s) => wanted.includes(s)).length;
  return { total: states.length, loaded: count('loaded'), loading: count('loading', 'not_loaded'), failed: count('failed') };
}

function operatorCount(n: number): string {
  return n === 1 ? '1 operator' : `${n} operators`;
}

async function storeCheck(deps: BrokerDeps): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('store ping timed out')), STORE_PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([deps.store.ping(), timeout]);
    return 'ok';
  } catch (err) {
    deps.logger.warn({ err }, 'readiness: the store did not answer');
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

async function keysCheck(deps: BrokerDeps): Promise<'ok' | string> {
  const missing = KEY_PURPOSES.filter((purpose) => {
    try {
      return !deps.keys.active(purpose).privateKey;
    } catch {
      return true;
    }
  });
  return missing.length ? `no active key for ${missing.join(', ')}` : 'ok';
}
