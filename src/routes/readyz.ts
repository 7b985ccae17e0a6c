import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
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
 */
export function readyz(deps: BrokerDeps): RequestHandler {
  return async (_req, res) => {
    const discovery = deps.operators.discoveryStatus();
    if (Object.values(discovery).some((state) => state === 'not_loaded' || state === 'failed')) void deps.operators.warmUp();
    const [store, keys] = await Promise.all([storeCheck(deps), keysCheck(deps)]);

    const problems: string[] = [];
    if (store !== 'ok') problems.push('store: unreachable');
    if (keys !== 'ok') problems.push(`keys: ${keys}`);
    const starting = Object.entries(discovery).filter(([, state]) => state === 'loading' || state === 'not_loaded');
    for (const [id] of starting) problems.push(`operator ${id}: discovery not loaded yet`);
    const failed = Object.entries(discovery).filter(([, state]) => state === 'failed');
    for (const [id] of failed) problems.push(`operator ${id}: discovery failed (its verifications use SMS)`);

    const ready = store === 'ok' && keys === 'ok' && starting.length === 0;
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        status: !ready ? 'not_ready' : failed.length ? 'degraded' : 'ready',
        checks: { store, keys, operators: discovery },
        problems,
      });
  };
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
