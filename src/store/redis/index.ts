import type { Store } from '../store.js';

/** Placeholder until the Redis store lands (issue "Scale-out"). */
export async function createRedisStore(_options: { url: string }): Promise<Store> {
  throw new Error('STORE=redis is not available in this version yet.');
}
